//! The Rust extension module `ouroboros.api._api`.
//!
//! - [`server`]: hyper connections, limits, graceful shutdown (no GIL);
//! - [`router`] and [`params`]: routing and parameter parsing (no GIL);
//! - [`queue`]: the batched hand-off to the asyncio loop's thread;
//! - [`inline`]: batches the I/O thread runs itself while the loop waits;
//! - [`bridge`]: calling handlers and rendering their results (GIL held);
//! - [`json`]: JSON out of and into Python objects.

// A `FieldError` is returned only on the 422 path; boxing it would add an
// allocation there and change nothing on the hot path.
#![allow(clippy::result_large_err)]
// Constructors and lookups whose results are obviously used; the lint fires on
// every small helper.
#![allow(clippy::must_use_candidate)]

pub mod asgi;
mod bare;
pub mod bridge;
pub mod flow;
pub mod handles;
pub mod inline;
pub mod json;
pub mod multipart;
pub mod native_middleware;
pub mod params;
pub mod queue;
pub mod router;
pub mod server;
mod setup;
pub mod websocket;

use pyo3::prelude::*;

/// mimalloc for every Rust allocation of the extension: a request makes a
/// few dozen small ones (the job, its reply, hyper's head and body buffers),
/// and mimalloc's thread-local free lists take a fraction of glibc's
/// instructions for them. Python objects keep Python's allocator.
#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

mod alloc {
    use std::alloc::{GlobalAlloc, Layout};
    use std::ffi::c_void;

    use libmimalloc_sys::{
        mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
        mi_zalloc_aligned,
    };

    /// What `mi_malloc` guarantees by itself (`MI_MAX_ALIGN_SIZE`).
    const MIN_ALIGN: usize = 16;

    /// Calls mimalloc's plain entry points when the layout needs no more
    /// alignment than they give (the `mimalloc` crate always takes the
    /// aligned ones, a slower path for the usual 8- and 16-byte layouts).
    pub struct Mimalloc;

    #[inline]
    fn plain(layout: &Layout) -> bool {
        layout.align() <= MIN_ALIGN && layout.align() <= layout.size()
    }

    type Alloc = unsafe extern "C" fn(usize) -> *mut c_void;
    type AlignedAlloc = unsafe extern "C" fn(usize, usize) -> *mut c_void;

    /// `direct` for layouts mimalloc aligns by itself, else `aligned`.
    #[inline]
    unsafe fn allocate(layout: Layout, direct: Alloc, aligned: AlignedAlloc) -> *mut u8 {
        // SAFETY: mimalloc's allocation functions have no preconditions.
        unsafe {
            if plain(&layout) {
                direct(layout.size()).cast()
            } else {
                aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    // SAFETY: every block comes from mimalloc with at least the layout's
    // alignment (directly, or through its aligned entry points) and goes
    // back to it through `mi_free`/`mi_realloc*`.
    unsafe impl GlobalAlloc for Mimalloc {
        #[inline]
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: see `allocate`.
            unsafe { allocate(layout, mi_malloc, mi_malloc_aligned) }
        }

        #[inline]
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: see `allocate`.
            unsafe { allocate(layout, mi_zalloc, mi_zalloc_aligned) }
        }

        #[inline]
        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
            unsafe { mi_free(ptr.cast::<c_void>()) }
        }

        #[inline]
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: `ptr` came from this allocator with `layout`.
            unsafe {
                if layout.align() <= MIN_ALIGN && layout.align() <= new_size {
                    mi_realloc(ptr.cast::<c_void>(), new_size).cast()
                } else {
                    mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
                }
            }
        }
    }
}

#[pymodule]
fn _api(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<bridge::Server>()?;
    m.add_class::<bridge::Responder>()?;
    m.add_class::<handles::BodySink>()?;
    m.add_class::<handles::RequestData>()?;
    m.add_class::<handles::WsConnection>()?;
    m.add_class::<handles::UploadData>()?;
    m.add_class::<setup::ResponseWriter>()?;
    m.add_function(wrap_pyfunction!(setup::build_server, m)?)?;
    m.add_function(wrap_pyfunction!(asgi::asgi_dispatch, m)?)?;
    m.add_function(wrap_pyfunction!(asgi::asgi_render, m)?)?;
    m.add_function(wrap_pyfunction!(asgi::asgi_form_feed, m)?)?;
    m.add_class::<asgi::FormFeed>()?;
    m.add_function(wrap_pyfunction!(setup::serve_bare, m)?)?;
    m.add_function(wrap_pyfunction!(handles::parse_form, m)?)?;
    m.add_function(wrap_pyfunction!(setup::dumps, m)?)?;
    m.add_function(wrap_pyfunction!(setup::loads, m)?)?;
    Ok(())
}
