//! The `asynclife` command line.

fn main() {}
