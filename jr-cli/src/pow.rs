//! The C math library's `pow` and `log2`, defined inside `jr` so that `jr`
//! does not load `libm.so.6` (issue 17: start-up time).
//!
//! They are the only functions `jr` takes from glibc's `libm.so.6`:
//! indicatif's rate estimator weighs samples with `0.1_f64.powf(age / 15.0)`,
//! and LLVM lowers `f64::powf` to a call of the C symbol `pow`; num-bigint's
//! radix conversion calls `f64::log2`, which a release build folds away but a
//! debug build calls as `log2`. Loading the library for
//! it cost every start of `jr` about 0.1 ms on this kind of machine (a Rust
//! hello world linked with and without `libm.so.6`, 400 interleaved runs:
//! +0.36 → +0.48 ms over `/bin/true`): the mapping, its relocations and its
//! IFUNC resolvers. With both defined in the binary the linker has nothing
//! left to take from `libm.so.6`, and `--as-needed` (rustc's default) leaves it
//! out. glibc's static `libm.a` is no way out: its `pow` needs a private
//! symbol of the dynamic loader.
//!
//! The definition is the `libm` crate's (a port of musl's libm, kept by the
//! Rust project; jaq already computes its math functions with it): accurate
//! to within one unit in the last place, as glibc's is. A test checks that
//! `jr` needs no `libm.so.6`; a new dependency on another libm function
//! would bring the library back and fail it.

/// `pow(x, y)`: `x` raised to the power `y`, as C99 §7.12.7.4 defines it.
///
/// Exported under the C name so that calls the compiler emits for
/// `f64::powf` bind here at link time; nothing in `jr` calls it by name.
// Exporting an unmangled symbol is `unsafe` because two definitions of one
// name would clash at link time. This is the only definition of `pow` the
// link sees: `libm.so.6` is searched only for symbols still undefined.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// `log2(x)`: the base-2 logarithm of `x`, as C99 §7.12.6.10 defines it.
///
/// Exported under the C name for `f64::log2`, as [`pow`] is for `f64::powf`.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn log2(x: f64) -> f64 {
    libm::log2(x)
}

#[cfg(test)]
mod tests {
    #[test]
    fn powf_answers_as_the_c_library_does() {
        // Exact cases of C99 Annex F, and indicatif's use (0.1^(age/15)).
        assert_eq!(super::pow(2.0, 10.0), 1024.0);
        assert_eq!(super::pow(0.0, 0.0), 1.0);
        assert_eq!(super::pow(-1.0, f64::INFINITY), 1.0);
        assert!(super::pow(-8.0, 1.0 / 3.0).is_nan());
        assert_eq!(super::pow(0.1, 0.0), 1.0);
        let weight = 0.1_f64.powf(30.0 / 15.0);
        assert!((weight - 0.01).abs() < 1e-17, "{weight}");
        assert_eq!(super::log2(1024.0), 10.0);
        assert_eq!(super::log2(1.0), 0.0);
        assert_eq!(super::log2(0.0), f64::NEG_INFINITY);
        assert!(super::log2(-1.0).is_nan());
    }
}
