//! Qualified symbol names.

/// Joins a scope and a symbol into `Scope::symbol`, taking the type name out
/// of scopes such as `impl Display for Foo` or `class Console`.
pub(crate) fn qualify(scope: Option<&str>, symbol: Option<&str>) -> Option<String> {
    let symbol = symbol?;
    let Some(scope) = scope else {
        return Some(symbol.to_string());
    };
    let owner = scope
        .rsplit(" for ")
        .next()
        .unwrap_or(scope)
        .split_whitespace()
        .last()
        .unwrap_or(scope);
    let owner = owner.split('<').next().unwrap_or(owner);
    if owner.is_empty() {
        Some(symbol.to_string())
    } else {
        Some(format!("{owner}::{symbol}"))
    }
}
