//! Server plumbing shared by the Madoguchi backends (work in progress).
