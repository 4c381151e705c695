//! The extension's Rust allocator: mimalloc, with freed memory kept for reuse.
//!
//! An `insert_many` moves its documents through buffers of 100 KB and more
//! (the encoded command, and the driver's copies of it on the way to the
//! socket). glibc gives such buffers' pages back to the kernel after each
//! call and faults them in again on the next one (about a fifth of the
//! client CPU of an insert of 1,000 documents); mimalloc keeps them in its
//! pages for the next call. Only this extension's Rust allocations go through
//! it: Python objects keep CPython's allocator.
//!
//! Two options differ from mimalloc's defaults (each left alone when the
//! user sets its `MIMALLOC_*` environment variable):
//! - freed memory goes back to the kernel in passes 60 s apart instead of
//!   1 s. A pass is armed by the first free after the previous one and then
//!   hands back everything free at that moment, however recently freed, so
//!   each pass makes the next calls fault their buffers in again (at 10 s,
//!   most rounds of a 10,000-document insert paid 700–2,600 page faults, a
//!   third of its CPU; at 60 s, none after the first). A burst's memory
//!   still goes back at the first pass after it, while the process
//!   allocates;
//! - no transparent huge pages: a 2 MiB page is zeroed on first touch and
//!   counted in full in the resident size (about 18 MB more RSS measured in
//!   the insert benchmark, no CPU gained).

use std::os::raw::c_long;

use libmimalloc_sys::mi_option_t;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Options of mimalloc v3's `mi_option_t` (`mimalloc.h`), which the sys
// crate does not name; `_mi_option_last` is checked in the tests below.
const MI_OPTION_PURGE_DELAY: mi_option_t = 15;
const MI_OPTION_ALLOW_THP: mi_option_t = 43;

/// Milliseconds between the allocator's passes that return free memory to
/// the kernel.
const PURGE_DELAY_MS: c_long = 60_000;

/// Set the allocator's options; called when the module is imported, before
/// this extension allocates anything large.
pub fn configure() {
    for (option, env, value) in [
        (
            MI_OPTION_PURGE_DELAY,
            "MIMALLOC_PURGE_DELAY",
            PURGE_DELAY_MS,
        ),
        (MI_OPTION_ALLOW_THP, "MIMALLOC_ALLOW_THP", 0),
    ] {
        if std::env::var_os(env).is_none() {
            // SAFETY: sets one integer option of a valid index (checked by
            // the tests against the library's option count); called while
            // the module is imported, before the runtime's threads exist.
            unsafe { libmimalloc_sys::mi_option_set(option, value) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_indices_match_the_library() {
        // The indices above are those of this option list's version.
        assert_eq!(libmimalloc_sys::_mi_option_last, 47);
        configure();
        // SAFETY: reads one option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(delay, PURGE_DELAY_MS);
        }
    }
}
