//! Credentials on every request: a fixed bearer token, or tokens from `GET /login` that are
//! cached, refreshed before they expire, and refreshed once after a `401`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use tokio::sync::Mutex;

use crate::body::{self, GaveUp};
use crate::call::Call;
use crate::release::OperationFacts;
use crate::{BuildError, Secret, retry};

/// Tokens are refreshed at least this often, whatever `expires_in` says.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The most a token is refreshed ahead of its expiry.
const MAX_EARLY: Duration = Duration::from_secs(60);

/// How a client authenticates. Cloning shares the token cache.
#[derive(Clone)]
pub(crate) enum Auth {
    /// `Authorization: Bearer <token>`, fixed for the client's life.
    Bearer(HeaderValue),
    /// Tokens obtained with the account credentials.
    Login(Arc<TokenSource>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bearer(_) => f.write_str("Bearer(***)"),
            Self::Login(source) => write!(f, "Login {{ account_id: {:?} }}", source.account_id),
        }
    }
}

impl Auth {
    pub(crate) fn bearer(token: &Secret) -> Result<Self, BuildError> {
        sensitive(&format!("Bearer {}", token.expose()))
            .map(Self::Bearer)
            .ok_or(BuildError::InvalidToken)
    }

    pub(crate) fn login(
        account_id: &str,
        api_key: &Secret,
        login: &'static OperationFacts,
    ) -> Result<Self, BuildError> {
        if account_id.contains(':') || account_id.chars().any(char::is_control) {
            return Err(BuildError::InvalidAccountId);
        }
        let pair = format!("{account_id}:{}", api_key.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        let basic = sensitive(&format!("Basic {encoded}")).ok_or(BuildError::InvalidToken)?;
        Ok(Self::Login(Arc::new(TokenSource {
            account_id: account_id.to_string(),
            login,
            basic,
            slot: Mutex::new(None),
        })))
    }

    /// Where a new token comes from after a `401` on `operation`: only calls other than the
    /// login itself, on a client with credentials.
    fn refresher(&self, operation: &OperationFacts) -> Option<&TokenSource> {
        match self {
            Self::Login(source) if !std::ptr::eq(operation, source.login) => Some(source),
            _ => None,
        }
    }

    /// The `Authorization` value for `operation`, logging in first when the cached token is
    /// missing or about to expire.
    async fn header_for(
        &self,
        call: &Call<'_>,
        operation: &OperationFacts,
    ) -> Result<Option<HeaderValue>, Denied> {
        let is_login = call
            .state
            .release
            .login
            .is_some_and(|login| std::ptr::eq(login, operation));
        match self {
            Self::Bearer(_) if is_login => Ok(None),
            Self::Bearer(value) => Ok(Some(value.clone())),
            Self::Login(source) if is_login => Ok(Some(source.basic.clone())),
            Self::Login(source) => source.token(call, None).await.map(Some),
        }
    }
}

/// The exec hook: authenticate, send with retries, and after a `401` refresh the token and
/// retry once (never more: a second `401` is returned as it is).
pub(crate) async fn execute(
    call: &Call<'_>,
    request: Request,
    operation: &'static OperationFacts,
) -> reqwest::Result<Response> {
    // Only a client that can get a new token replays after a `401`: only it needs a copy.
    let replay = call
        .state
        .auth
        .refresher(operation)
        .and_then(|_| request.try_clone());
    let sent = match call.state.auth.header_for(call, operation).await {
        Ok(value) => value,
        Err(denied) => return denied.into_outcome(),
    };
    let response = retry::run(call, request, operation, sent.as_ref()).await?;
    match (
        response.status(),
        call.state.auth.refresher(operation),
        sent,
        replay,
    ) {
        (StatusCode::UNAUTHORIZED, Some(source), Some(stale), Some(replay)) => {
            match source.token(call, Some(&stale)).await {
                Ok(fresh) => retry::run(call, replay, operation, Some(&fresh)).await,
                Err(denied) => denied.into_outcome(),
            }
        }
        _ => Ok(response),
    }
}

/// Why no token could be had, in the exec hook's terms.
enum Denied {
    /// `GET /login` failed in transport.
    Transport(reqwest::Error),
    /// `GET /login` answered without a token; marked [`GaveUp::LoginRejected`].
    Rejected(Response),
}

impl Denied {
    fn into_outcome(self) -> reqwest::Result<Response> {
        match self {
            Self::Transport(error) => Err(error),
            Self::Rejected(response) => Ok(response),
        }
    }
}

/// The account credentials and the cached token.
pub(crate) struct TokenSource {
    account_id: String,
    /// The release's login operation, which these credentials are sent to.
    login: &'static OperationFacts,
    basic: HeaderValue,
    /// Held across a login, so that concurrent calls needing a token wait for that one login
    /// instead of each starting their own.
    slot: Mutex<Option<Token>>,
}

struct Token {
    value: HeaderValue,
    refresh_at: Instant,
}

impl TokenSource {
    /// The cached token unless it is due for refresh or is `stale` (just refused with a
    /// `401`); otherwise a new one from `GET /login`.
    async fn token(
        &self,
        call: &Call<'_>,
        stale: Option<&HeaderValue>,
    ) -> Result<HeaderValue, Denied> {
        let mut slot = self.slot.lock().await;
        if let Some(token) = slot.as_ref()
            && Instant::now() < token.refresh_at
            && stale != Some(&token.value)
        {
            return Ok(token.value.clone());
        }
        let token = self.login(call).await?;
        let value = token.value.clone();
        *slot = Some(token);
        Ok(value)
    }

    async fn login(&self, call: &Call<'_>) -> Result<Token, Denied> {
        let method = reqwest::Method::from_bytes(self.login.method.as_bytes())
            .unwrap_or(reqwest::Method::GET);
        let request = call
            .http
            .request(method, format!("{}{}", call.base_url, self.login.path))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .build()
            .map_err(Denied::Transport)?;
        let response = retry::run(call, request, self.login, Some(&self.basic))
            .await
            .map_err(Denied::Transport)?;
        Token::from_login(&response)
            .ok_or_else(|| Denied::Rejected(body::give_up(response, GaveUp::LoginRejected)))
    }
}

impl Token {
    /// The token in a `200` login response, or `None` when there is none to use.
    fn from_login(response: &Response) -> Option<Self> {
        if !response.status().is_success() || body::gave_up(response).is_some() {
            return None;
        }
        let token: LoginToken = serde_json::from_slice(body::raw_body(response)?).ok()?;
        let value = sensitive(&format!("Bearer {}", token.bearer_token))?;
        let lifetime =
            Duration::from_secs(u64::try_from(token.expires_in).unwrap_or(0)).min(MAX_LIFETIME);
        let early = (lifetime / 10).min(MAX_EARLY);
        let now = Instant::now();
        Some(Self {
            value,
            refresh_at: now.checked_add(lifetime - early).unwrap_or(now),
        })
    }
}

/// What a login answers with: the token and its lifetime in seconds (`live_mode` and any other
/// field are not needed).
#[derive(serde::Deserialize)]
pub(crate) struct LoginToken {
    bearer_token: String,
    expires_in: i64,
}

/// A header value that reqwest and hyper never print, or `None` if it cannot be a header.
fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST_LOGIN: OperationFacts = OperationFacts {
        id: "login",
        method: "GET",
        path: "/login",
        success: &[200],
        success_ranges: &[],
        errors: &[],
        optional_body: &[],
        constraints: &[],
        sensitive: &[],
        decodes: |_| Ok(()),
    };

    #[test]
    fn debug_shows_neither_token_nor_key() {
        let bearer = Auth::bearer(&Secret::new("tok_secret")).unwrap();
        assert_eq!(format!("{bearer:?}"), "Bearer(***)");
        let login = Auth::login("acc_1", &Secret::new("key_secret"), &TEST_LOGIN).unwrap();
        let shown = format!("{login:?}");
        assert!(
            shown.contains("acc_1") && !shown.contains("key_secret"),
            "{shown}"
        );
    }

    #[test]
    fn account_id_with_a_colon_is_refused() {
        let err = Auth::login("acc:1", &Secret::new("k"), &TEST_LOGIN).unwrap_err();
        assert!(matches!(err, BuildError::InvalidAccountId));
    }
}
