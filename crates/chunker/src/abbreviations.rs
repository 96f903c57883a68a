//! Common programming abbreviations and the words they stand for.
//!
//! Natural-language queries say "receive", "buffer", "address"; code says
//! `recv`, `buf`, `addr`. The BM25 analyzer indexes an identifier part
//! found here under its full word(s) as well, at the same position, and
//! the name text handed to the embedder spells them out, so a described
//! behaviour finds the terse name. Only unambiguous,
//! widely used abbreviations are listed; nothing here is specific to one
//! project.

/// The full word(s) for a lowercase term, if it is a known abbreviation.
/// `is_part` says the term is a sub-word of a longer identifier: a few
/// entries are English words or operators on their own (`be`, `le`, `is`)
/// and stand for their words only inside an identifier (`to_be_bytes`).
pub fn expand(term: &str, is_part: bool) -> Option<&'static [&'static str]> {
    if !is_part && PART_ONLY.contains(&term) {
        return None;
    }
    let i = TABLE.binary_search_by(|(k, _)| k.cmp(&term)).ok()?;
    Some(TABLE[i].1)
}

/// Like [`expand`], for text an embedder reads: without the entries that
/// are associations for keyword matching rather than spellings (`is` is
/// how a predicate "returns true", `count` a "number of").
pub fn spell_out(term: &str, is_part: bool) -> Option<&'static [&'static str]> {
    if INDEX_ONLY.contains(&term) {
        return None;
    }
    expand(term, is_part)
}

/// Entries of [`TABLE`] expanded only inside a longer identifier.
const PART_ONLY: [&str; 3] = ["be", "is", "le"];

/// Entries of [`TABLE`] that [`spell_out`] leaves alone.
const INDEX_ONLY: [&str; 2] = ["count", "is"];

/// Sorted by abbreviation (checked by a test).
const TABLE: &[(&str, &[&str])] = &[
    ("abs", &["absolute"]),
    ("acc", &["accumulator"]),
    ("ack", &["acknowledge"]),
    ("addr", &["address"]),
    ("alloc", &["allocate"]),
    ("arg", &["argument"]),
    ("args", &["arguments"]),
    ("attr", &["attribute"]),
    ("attrs", &["attributes"]),
    ("auth", &["authentication"]),
    ("avg", &["average"]),
    // Not "endian": a query for big-endian reads would match every `_le` method.
    ("be", &["big"]),
    ("buf", &["buffer"]),
    ("bufs", &["buffers"]),
    ("calc", &["calculate"]),
    ("cap", &["capacity"]),
    ("cb", &["callback"]),
    ("cfg", &["configuration"]),
    ("char", &["character"]),
    ("chars", &["characters"]),
    ("cmd", &["command"]),
    ("cmp", &["compare"]),
    ("cnt", &["count"]),
    ("col", &["column"]),
    ("cols", &["columns"]),
    ("config", &["configuration"]),
    ("conn", &["connection"]),
    ("count", &["number"]),
    ("ctx", &["context"]),
    ("cur", &["current"]),
    ("curr", &["current"]),
    ("dealloc", &["deallocate"]),
    ("decl", &["declaration"]),
    ("def", &["definition"]),
    ("del", &["delete"]),
    ("desc", &["description"]),
    ("dest", &["destination"]),
    ("dir", &["directory"]),
    ("dirs", &["directories"]),
    ("doc", &["document"]),
    ("dst", &["destination"]),
    ("dur", &["duration"]),
    ("elem", &["element"]),
    ("env", &["environment"]),
    ("eof", &["end", "file"]),
    ("eq", &["equal"]),
    ("err", &["error"]),
    ("errno", &["error", "number"]),
    ("exe", &["executable"]),
    ("expr", &["expression"]),
    ("ext", &["extension"]),
    ("f32", &["float"]),
    ("f64", &["float"]),
    ("fd", &["file", "descriptor"]),
    ("fmt", &["format"]),
    ("fn", &["function"]),
    ("func", &["function"]),
    ("gen", &["generate"]),
    ("hdr", &["header"]),
    ("i128", &["signed", "integer"]),
    ("i16", &["signed", "integer"]),
    ("i32", &["signed", "integer"]),
    ("i64", &["signed", "integer"]),
    ("i8", &["signed", "integer"]),
    ("id", &["identifier"]),
    ("idx", &["index"]),
    ("impl", &["implementation"]),
    ("info", &["information"]),
    ("init", &["initialize"]),
    ("is", &["true"]),
    ("iter", &["iterator"]),
    ("le", &["little"]),
    ("len", &["length"]),
    ("lhs", &["left"]),
    ("lib", &["library"]),
    ("ln", &["line"]),
    ("max", &["maximum"]),
    ("mgr", &["manager"]),
    ("min", &["minimum"]),
    ("msg", &["message"]),
    ("msgs", &["messages"]),
    ("mut", &["mutable"]),
    ("nano", &["nanosecond"]),
    ("nanos", &["nanoseconds"]),
    ("num", &["number"]),
    ("obj", &["object"]),
    ("opt", &["option"]),
    ("opts", &["options"]),
    ("param", &["parameter"]),
    ("params", &["parameters"]),
    ("pid", &["process", "identifier"]),
    ("pos", &["position"]),
    ("prev", &["previous"]),
    ("proc", &["process"]),
    ("ptr", &["pointer"]),
    ("pwd", &["password"]),
    ("qty", &["quantity"]),
    ("recv", &["receive"]),
    ("ref", &["reference"]),
    ("refs", &["references"]),
    ("regex", &["regular", "expression"]),
    ("req", &["request"]),
    ("res", &["result"]),
    ("resp", &["response"]),
    ("ret", &["return"]),
    ("rhs", &["right"]),
    ("rm", &["remove"]),
    ("rt", &["runtime"]),
    ("rx", &["receiver", "receive"]),
    ("sec", &["second"]),
    ("secs", &["seconds"]),
    ("seq", &["sequence"]),
    ("sig", &["signal"]),
    ("sock", &["socket"]),
    ("spec", &["specification"]),
    ("src", &["source"]),
    ("stat", &["status"]),
    ("std", &["standard"]),
    ("stderr", &["standard", "error"]),
    ("stdin", &["standard", "input"]),
    ("stdout", &["standard", "output"]),
    ("str", &["string"]),
    ("sync", &["synchronize"]),
    ("sys", &["system"]),
    ("tmp", &["temporary"]),
    ("ts", &["timestamp"]),
    ("tx", &["transmitter", "send"]),
    ("u128", &["unsigned", "integer"]),
    ("u16", &["unsigned", "integer"]),
    ("u32", &["unsigned", "integer"]),
    ("u64", &["unsigned", "integer"]),
    ("u8", &["unsigned", "integer"]),
    ("usr", &["user"]),
    ("util", &["utility"]),
    ("utils", &["utilities"]),
    ("val", &["value"]),
    ("vals", &["values"]),
    ("var", &["variable"]),
    ("vars", &["variables"]),
    ("vec", &["vector"]),
    ("ver", &["version"]),
    ("win", &["window"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_lowercase() {
        for pair in TABLE.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (k, words) in TABLE {
            assert_eq!(*k, k.to_lowercase());
            assert!(!words.is_empty() && words.iter().all(|w| *w == w.to_lowercase()));
        }
        assert_eq!(expand("recv", false), Some(&["receive"][..]));
        assert_eq!(expand("receive", false), None);
        assert_eq!(expand("le", true), Some(&["little"][..]));
        assert_eq!(expand("le", false), None);
        assert_eq!(expand("is", true), Some(&["true"][..]));
        assert_eq!(spell_out("is", true), None);
        assert_eq!(spell_out("recv", false), Some(&["receive"][..]));
    }
}
