//! The benchmark's bare hyper server: the same hyper stack as the app
//! server, with no Python. `GET` anything answers a fixed JSON body (the
//! physical limit of a request); `POST /users` does the benchmark's body
//! route in Rust alone (read the body, parse it into typed structs, check
//! them, write the response model's JSON), so the api's body route can be
//! compared with the same work done without Python.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use futures::future::Either;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::server::{full, Body};

/// The largest body the `POST /users` route reads (the app server's default).
const MAX_BODY: usize = 1024 * 1024;

/// The benchmark's `Address` model.
#[derive(Deserialize, Serialize)]
struct Address {
    street: String,
    city: String,
}

/// The benchmark's `UserIn` model: every field is checked as it is parsed
/// (types, the nested model, the list's items), unknown keys are ignored
/// and `age` and `tags` have defaults, as the Python model declares.
#[derive(Deserialize)]
struct UserIn {
    name: String,
    /// Parsed and checked, then filtered out by the response model.
    #[allow(dead_code)]
    email: String,
    address: Address,
    #[serde(default)]
    #[allow(dead_code)]
    age: i64,
    #[serde(default)]
    #[allow(dead_code)]
    tags: Vec<String>,
}

/// The benchmark's `UserOut` response model.
#[derive(Serialize)]
struct UserOut<'a> {
    id: i64,
    name: &'a str,
    address: &'a Address,
}

/// One request of the bare server.
pub fn service(
    req: Request<Incoming>,
    _peer: Option<SocketAddr>,
) -> impl std::future::Future<Output = Result<Response<Body>, Infallible>> {
    if req.method() == Method::POST && req.uri().path() == "/users" {
        Either::Right(create_user(req))
    } else {
        // The request lives until the answer is made, as in the app server's
        // routes and in this handler's earlier form: meanwhile hyper cannot
        // reuse its read buffer in place (a request dropped at once saves about
        // 700 instructions), and the GET figure stays comparable across runs.
        Either::Left(async move {
            drop(req);
            Ok(full(
                StatusCode::OK,
                "application/json",
                Bytes::from_static(b"{\"message\":\"hello\"}"),
            ))
        })
    }
}

/// `POST /users`: 422 with the parser's message for a body that is not a
/// valid `UserIn`, 413 past `MAX_BODY`.
async fn create_user(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(full(
                StatusCode::PAYLOAD_TOO_LARGE,
                "application/json",
                Bytes::from_static(b"{\"detail\":\"Request body is too large\"}"),
            ))
        }
    };
    let user: UserIn = match serde_json::from_slice(&body) {
        Ok(user) => user,
        Err(e) => {
            let detail = serde_json::json!({"detail": [{"msg": e.to_string()}]});
            return Ok(full(
                StatusCode::UNPROCESSABLE_ENTITY,
                "application/json",
                detail.to_string(),
            ));
        }
    };
    let out = UserOut {
        id: 1,
        name: &user.name,
        address: &user.address,
    };
    let json = serde_json::to_vec(&out).unwrap_or_default();
    Ok(full(StatusCode::OK, "application/json", json))
}
