//! Federation (not yet covered).
