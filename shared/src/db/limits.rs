//! Per-client rate limits, counted in the table: a fixed window per rule and
//! client, one conditional `UpdateItem` per request (`ADD hits 1` while
//! `hits` is under the limit). The window's item expires with the table's
//! time-to-live, so nothing is left to clean up.
//!
//! Who a rule limits (a source IP, an email, a user id) is hashed into the
//! key, so no address or email stands in the table as such. The hash is not
//! keyed: anyone who can read the table and guess an address can confirm it.

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};

use crate::ApiError;

use super::{Access, Db, UpdateExpr, consumed, epoch_seconds, keys, sdk_error};

/// The longest window: five digits of seconds, as the template's parameters
/// allow (a little over a day).
pub const MAX_WINDOW_SECONDS: u64 = 99_999;

/// At most `limit` requests per `window`, for each client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

impl Rule {
    /// A rule from its configured form, `<requests>/<seconds>` (`10/900`:
    /// ten per quarter hour); `off` (or nothing) for no limit.
    pub fn parse(name: &'static str, text: &str) -> Result<Option<Self>, String> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let parsed = text.split_once('/').and_then(|(limit, seconds)| {
            let limit: u32 = limit.trim().parse().ok()?;
            let seconds: u64 = seconds.trim().parse().ok()?;
            (limit > 0 && (1..=MAX_WINDOW_SECONDS).contains(&seconds)).then_some((limit, seconds))
        });
        match parsed {
            Some((limit, seconds)) => Ok(Some(Self {
                name,
                limit,
                window: Duration::from_secs(seconds),
            })),
            None => Err(format!(
                "{text:?} is not <requests>/<seconds> (seconds up to {MAX_WINDOW_SECONDS}) or off"
            )),
        }
    }
}

/// The rules of every function that has any; `None` is no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimits {
    /// Login attempts from one source IP.
    pub login_per_ip: Option<Rule>,
    /// Login attempts for one email, from anywhere.
    pub login_per_email: Option<Rule>,
    /// Registrations from one source IP.
    pub register_per_ip: Option<Rule>,
    /// Articles one user creates.
    pub articles_per_user: Option<Rule>,
    /// Comments one user writes.
    pub comments_per_user: Option<Rule>,
}

impl RateLimits {
    /// The environment variable of each rule and its name in keys and logs.
    pub const VARIABLES: [(&'static str, &'static str); 5] = [
        ("RATE_LIMIT_LOGIN_PER_IP", "login-ip"),
        ("RATE_LIMIT_LOGIN_PER_EMAIL", "login-email"),
        ("RATE_LIMIT_REGISTER_PER_IP", "register-ip"),
        ("RATE_LIMIT_ARTICLES_PER_USER", "article-user"),
        ("RATE_LIMIT_COMMENTS_PER_USER", "comment-user"),
    ];

    /// Every rule from `get` (an environment lookup).
    pub fn from_lookup(
        get: impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, (&'static str, String)> {
        let rule = |(variable, name): (&'static str, &'static str)| {
            get(variable)
                .map(|text| Rule::parse(name, &text))
                .transpose()
                .map(Option::flatten)
                .map_err(|why| (variable, why))
        };
        let [login_ip, login_email, register_ip, articles, comments] = Self::VARIABLES;
        Ok(Self {
            login_per_ip: rule(login_ip)?,
            login_per_email: rule(login_email)?,
            register_per_ip: rule(register_ip)?,
            articles_per_user: rule(articles)?,
            comments_per_user: rule(comments)?,
        })
    }
}

/// The key of `subject`'s current window of `rule`, now, and when the
/// window ends (epoch seconds).
fn window(rule: &Rule, subject: &str) -> (keys::Key, u64, u64) {
    let length = rule.window.as_secs().max(1);
    let now = epoch_seconds();
    let start = now - now % length;
    let key = keys::rate_window(rule.name, &subject_key(rule, subject), start);
    (key, now, start + length)
}

/// Who a rule counts, as it appears in the key: a hash, not the address or
/// email itself.
fn subject_key(rule: &Rule, subject: &str) -> String {
    let input = format!("{}\u{0}{}", rule.name, subject.to_lowercase());
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, input.as_bytes())
        .simple()
        .to_string()
}

impl Db {
    /// Refuses `subject` if its window of `rule` is full, without counting
    /// this request (for rules that count only some requests: failed logins).
    pub async fn check(&self, rule: Option<&Rule>, subject: &str) -> Result<(), ApiError> {
        let Some(rule) = rule else {
            return Ok(());
        };
        let (key, now, end) = window(rule, subject);
        let hits = self
            .get("rate limit", &key)
            .await?
            .and_then(|item| item.get("hits")?.as_n().ok()?.parse::<u32>().ok())
            .unwrap_or(0);
        if hits >= rule.limit {
            tracing::info!(rule = rule.name, "rate limit reached");
            return Err(ApiError::RateLimited {
                retry_after: (end - now).max(1),
            });
        }
        Ok(())
    }

    /// Counts one request by `subject` against `rule` (none: no limit). Past
    /// the limit, the answer is a 429 saying when the window ends; the
    /// refused request is not counted.
    pub async fn hit(&self, rule: Option<&Rule>, subject: &str) -> Result<(), ApiError> {
        let Some(rule) = rule else {
            return Ok(());
        };
        let (key, now, end) = window(rule, subject);
        let update = UpdateExpr::new()
            .add("hits", 1)
            .set(keys::EXPIRES_AT, AttributeValue::N(end.to_string()))
            .condition(|c| {
                let hits = c.name("hits");
                let limit = c.number(i64::from(rule.limit));
                c.and(format!(
                    "(attribute_not_exists({hits}) OR {hits} < {limit})"
                ));
            });
        let (expression, condition, names, values) = update.into_parts();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key.to_map()))
            .update_expression(expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(output) => {
                consumed(Access::Write, &output.consumed_capacity);
                Ok(())
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                tracing::info!(rule = rule.name, "rate limit reached");
                Err(ApiError::RateLimited {
                    retry_after: (end - now).max(1),
                })
            }
            Err(err) => Err(sdk_error("rate limit", err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_or_say_why_not() {
        assert_eq!(
            Rule::parse("login-email", "10/900"),
            Ok(Some(Rule {
                name: "login-email",
                limit: 10,
                window: Duration::from_secs(900)
            }))
        );
        assert_eq!(Rule::parse("x", "off"), Ok(None));
        assert_eq!(Rule::parse("x", " "), Ok(None));
        for bad in [
            "10",
            "0/60",
            "10/0",
            "10/100000",
            "-1/60",
            "ten/60",
            "10/60/1",
        ] {
            assert!(Rule::parse("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_come_from_their_variables() {
        let limits = RateLimits::from_lookup(|name| {
            (name == "RATE_LIMIT_LOGIN_PER_EMAIL").then(|| "5/60".to_owned())
        })
        .unwrap();
        assert_eq!(limits.login_per_email.map(|r| r.limit), Some(5));
        assert_eq!(limits.login_per_ip, None);
        let bad = RateLimits::from_lookup(|name| {
            (name == "RATE_LIMIT_COMMENTS_PER_USER").then(|| "lots".to_owned())
        });
        assert_eq!(bad.map_err(|e| e.0), Err("RATE_LIMIT_COMMENTS_PER_USER"));
    }

    #[test]
    fn subjects_are_hashed_per_rule_and_case_blind() {
        let rule = Rule::parse("login-email", "1/60").unwrap().unwrap();
        let other = Rule::parse("login-ip", "1/60").unwrap().unwrap();
        let key = subject_key(&rule, "Jake@Example.com");
        assert_eq!(key, subject_key(&rule, "jake@example.com"));
        assert_ne!(key, subject_key(&other, "jake@example.com"));
        assert!(!key.contains("jake"));
    }
}
