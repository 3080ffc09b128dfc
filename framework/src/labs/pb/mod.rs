//! The primary/backup lab (6.824's lab 2 of 2015): the [`ViewService`],
//! [`PbServer`] and [`PbClerk`] contracts, the harness that runs the view
//! service, watches every view it hands out ([`monitor`]) and every answer
//! a server gives ([`PbCluster`]), and the test kinds of
//! `config/pb_lab_test.yml`.

mod client;
mod cluster;
mod contract;
pub(crate) mod kinds;
pub mod monitor;

pub use client::Client;
pub use cluster::PbCluster;
pub use contract::{
    DEAD_PINGS, GET_VIEW, MakeEnd, PING, PING_INTERVAL, PbClerk, PbServer, PbSetup, PingArgs,
    Served, VIEW_SERVICE, View, ViewClerk, ViewService,
};
