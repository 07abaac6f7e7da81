//! The `patchloop` command: a thin layer over the libraries that owns flags, output,
//! exit codes and the clock.
fn main() {
    println!("patchloop");
}
