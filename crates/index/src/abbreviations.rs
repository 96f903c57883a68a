//! Common programming abbreviations and the words they stand for.
//!
//! Natural-language queries say "receive", "buffer", "address"; code says
//! `recv`, `buf`, `addr`. The BM25 analyzer indexes an identifier part
//! found here under its full word(s) as well, at the same position, so a
//! described behaviour finds the terse name. Only unambiguous,
//! widely used abbreviations are listed; nothing here is specific to one
//! project.

/// The full word(s) for a lowercase identifier part, if it is a known
/// abbreviation.
pub(crate) fn expand(part: &str) -> Option<&'static [&'static str]> {
    let i = TABLE.binary_search_by(|(k, _)| k.cmp(&part)).ok()?;
    Some(TABLE[i].1)
}

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
    ("fd", &["file", "descriptor"]),
    ("fmt", &["format"]),
    ("fn", &["function"]),
    ("func", &["function"]),
    ("gen", &["generate"]),
    ("hdr", &["header"]),
    ("id", &["identifier"]),
    ("idx", &["index"]),
    ("impl", &["implementation"]),
    ("info", &["information"]),
    ("init", &["initialize"]),
    ("iter", &["iterator"]),
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
        assert_eq!(expand("recv"), Some(&["receive"][..]));
        assert_eq!(expand("receive"), None);
    }
}
