//! CRLs.
