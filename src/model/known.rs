//! The list of known names that an "unknown name" error offers, shared by
//! every step that resolves a name (topology, placement, claims), so that
//! they all read alike.

/// A sorted, comma-separated list of names for error messages (at most 12).
pub(super) fn known<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    let more = v.len().saturating_sub(12);
    v.truncate(12);
    let mut s = v
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}
