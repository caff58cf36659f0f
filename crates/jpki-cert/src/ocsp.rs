//! OCSP.
