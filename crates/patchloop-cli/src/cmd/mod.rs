//! One module per subcommand.
pub mod gen_fleet;
pub mod validate;
