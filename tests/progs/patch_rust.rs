// patch_rust.rs - a Rust function (legacy mangling: _ZN4...17h<hash>E) patched by its
// demangled path (tests/test_patch.py): app::parser::parse is called 100 times; "s=14950".
mod app {
    pub mod parser {
        #[inline(never)]
        pub fn parse(x: u64) -> u64 {
            std::hint::black_box(x * 3 + 1)
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
