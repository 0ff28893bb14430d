// `sqlx::migrate!` embeds the migrations at compile time; a new file there must rebuild this crate (sqlx's advice).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
