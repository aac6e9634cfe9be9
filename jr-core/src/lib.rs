//! jr-core: the library behind `jr`.
pub mod ops;
