//! What `meshsim` prints: the summary table and the placement listing.

pub mod format;
pub mod sweep;
pub mod table;
