//! Turning panics into errors.
//!
//! A panic that unwinds into the Python interpreter would be converted by PyO3
//! into `PanicException` (a `BaseException`); one inside a tokio task would be
//! lost. Every entry point that runs non-trivial Rust code goes through
//! [`catch`] (sync) or [`catch_future`] (async) so users get an
//! `ouroboros.core.InternalError` naming the panic instead.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use futures::FutureExt;

use crate::Error;

/// The message of a panic payload (`panic!("...")` gives `&str` or `String`).
#[must_use]
pub fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

/// Run `f`, turning a panic into [`Error::Panic`].
pub fn catch<T, E>(f: impl FnOnce() -> Result<T, E>) -> Result<T, E>
where
    E: From<Error>,
{
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(Error::Panic(payload_message(payload.as_ref())).into()),
    }
}

/// Await `fut`, turning a panic during any poll into [`Error::Panic`].
pub async fn catch_future<T, E, F>(fut: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
    E: From<Error>,
{
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => Err(Error::Panic(payload_message(payload.as_ref())).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_panic_becomes_error() {
        let r: Result<(), Error> = catch(|| panic!("boom {}", 42));
        match r {
            Err(Error::Panic(msg)) => assert_eq!(msg, "boom 42"),
            other => panic!("expected Error::Panic, got {other:?}"),
        }
        let ok: Result<i32, Error> = catch(|| Ok(7));
        assert_eq!(ok.unwrap(), 7);
    }

    #[test]
    fn async_panic_becomes_error() {
        let rt = crate::runtime::runtime().expect("runtime");
        let r: Result<(), Error> = rt.block_on(catch_future(async {
            tokio::task::yield_now().await;
            panic!("late boom");
        }));
        assert!(
            matches!(r, Err(Error::Panic(ref m)) if m == "late boom"),
            "{r:?}"
        );
    }
}
