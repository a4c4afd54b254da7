//! Every request's body is read to its end before the answer goes out.
//!
//! A page that refuses an upload early (busy, a stale form, a link that is
//! not a department's, a path that takes no upload) answers before the
//! browser has sent the file. Were the connection then closed with the
//! rest of the file unread, the kernel would reset it, and the browser
//! would show "connection reset" instead of the Chinese page saying why.
//! So the handler reads the body through a shared handle, and what it left
//! is read and dropped here afterwards. The body limit and the stall
//! timeout of the layers outside still bound what is read.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// The request body, read by the handler and afterwards by [`drain_unread`].
#[derive(Clone)]
struct Shared(Arc<Mutex<Body>>);

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut Body) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl HttpBody for Shared {
    type Data = Bytes;
    /// The inner body's error unwrapped, so that `Body::new` wraps it once
    /// again as it was: the multipart reader still finds the body limit's
    /// error behind it and answers 413.
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        self.with(|b| Pin::new(b).poll_frame(cx))
            .map(|f| f.map(|r| r.map_err(axum::Error::into_inner)))
    }

    fn is_end_stream(&self) -> bool {
        self.with(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.with(|b| b.size_hint())
    }
}

/// Run the handler, then read and drop whatever it left of the body.
pub(super) async fn drain_unread(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let shared = Shared(Arc::new(Mutex::new(body)));
    let res = next
        .run(Request::from_parts(parts, Body::new(shared.clone())))
        .await;
    let mut rest = Body::new(shared);
    // An error (over the limit, stalled, the client gone) ends the reading:
    // the connection is closed after the answer, as before.
    while let Some(Ok(_)) = rest.frame().await {}
    res
}
