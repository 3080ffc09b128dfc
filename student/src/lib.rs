//! The reference solution of every lab.
