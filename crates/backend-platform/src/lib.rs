//! The verification platform (work in progress).
