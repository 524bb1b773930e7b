//! The errors a scenario can have, each pointing at a place in the file.
//!
//! Checks deep in the model report a [`FieldError`] (field path + message);
//! [`super::Document::locate`] turns it into a [`ScenarioError`] with file,
//! line and column, which is what users see (`meshsim` exits with code 2).

use thiserror::Error;

/// A semantic error found while building the model: which field, and what
/// would be right.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Dotted field path, `spec.deployments[1].controlPlanes.attach.c2[0]`.
    pub path: String,
    /// What is wrong and what would be right.
    pub message: String,
}

impl FieldError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A scenario that cannot be used.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The file could not be read at all.
    #[error("{file}: cannot read the scenario: {source}")]
    Read {
        /// The path as given.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is read but wrong; `path` is empty for YAML syntax errors.
    #[error("{file}:{line}:{col}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Invalid {
        /// The path as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// Field path.
        path: String,
        /// What is wrong and what would be right.
        message: String,
    },
    /// A `--set PATH=VALUE` that cannot be applied, or that makes the
    /// scenario wrong: located on the override, since no line of the file
    /// says it.
    #[error("--set #{index} ({text}): {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Override {
        /// 1-based, in command-line order.
        index: usize,
        /// `PATH=VALUE` as given.
        text: String,
        /// Field path of the error (empty when the override itself cannot
        /// be read).
        path: String,
        /// What is wrong and what would be right.
        message: String,
    },
}
