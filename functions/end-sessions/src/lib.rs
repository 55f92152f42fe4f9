//! `DELETE /api/user/sessions`: signs the caller out everywhere. Every
//! session of the user ends, the caller's included; 204. A token of any of
//! them is a 401 from then on, and signing in again starts a new one.

use lambda_http::Request;
use shared::{
    App,
    app::auth,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let caller = auth::caller(app, &req).await?;
    app.store.users().end_sessions(&caller.id, None).await?;
    response::no_content()
}
