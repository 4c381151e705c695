//! Pure-Rust behaviour of the validation core (no Python needed).

mod coerce;
mod constraints;
mod errors;
mod json_cursor;
mod json_out;
