// patch_rust.rs - a Rust function (legacy mangling: _ZN4...17h<hash>E) patched by its
// demangled path (tests/test_patch.py): app::parser::parse is called 100 times; "s=14950".
mod app {
    pub mod parser {
        #[inline(never)]
        pub fn parse(x: u64) -> u64 {
            // A volatile read keeps the call (black_box is newer than Debian 12's rustc 1.63).
            let v = x * 3 + 1;
            unsafe { std::ptr::read_volatile(&v) }
        }
    }
}
fn main() {
    let mut s = 0;
    for i in 0..100 {
        s += app::parser::parse(i);
    }
    println!("s={}", s);
}
