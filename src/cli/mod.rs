//! The native command-line tool.

pub mod receive;
