//! The models the kit ships: [`kv`] for every key/value lab, [`register`]
//! for a single register with compare-and-set (the Jepsen etcd histories).

pub mod kv;
pub mod register;
