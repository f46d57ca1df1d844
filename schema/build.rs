//! The migrations are embedded at compile time (`embed_migrations!`), which cargo does not
//! track: a new migration directory must rebuild this crate, or a binary ships without it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
