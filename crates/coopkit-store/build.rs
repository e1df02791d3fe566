// `sqlx::migrate!` reads the migrations when the crate compiles; without
// this, a migration added later is left out of an incremental build.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
