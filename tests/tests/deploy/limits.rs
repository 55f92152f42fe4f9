//! Rate limits are parameters of the stack: each rule's variable is set on
//! exactly the function that applies it, from a parameter whose default is a
//! valid rule.

use shared::db::limits::{RateLimits, Rule};

use crate::{binary, functions, root, template};

/// Each rule's variable, the field of `RateLimits` that holds it, and the
/// function that applies it.
const RULES: [(&str, &str, &str); 5] = [
    ("RATE_LIMIT_LOGIN_PER_IP", "login_per_ip", "login-user"),
    (
        "RATE_LIMIT_LOGIN_PER_EMAIL",
        "login_per_email",
        "login-user",
    ),
    (
        "RATE_LIMIT_REGISTER_PER_IP",
        "register_per_ip",
        "register-user",
    ),
    (
        "RATE_LIMIT_ARTICLES_PER_USER",
        "articles_per_user",
        "create-article",
    ),
    (
        "RATE_LIMIT_COMMENTS_PER_USER",
        "comments_per_user",
        "create-comment",
    ),
];

#[test]
fn every_rate_limit_is_a_parameter_set_on_the_function_that_applies_it() {
    let template = template();
    let variables: Vec<&str> = RateLimits::VARIABLES.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        variables,
        RULES.iter().map(|r| r.0).collect::<Vec<_>>(),
        "every rule is listed here"
    );
    for (variable, field, expected) in RULES {
        let mut setters = Vec::new();
        for (id, properties, metadata) in functions(&template) {
            let function = binary(&metadata);
            let value = &properties["Environment"]["Variables"][variable];
            let source = std::fs::read_to_string(
                root().join("functions").join(&function).join("src/lib.rs"),
            )
            .unwrap();
            let applies = source.contains(&format!("limits.{field}"));
            assert_eq!(
                !value.is_null(),
                applies,
                "{id}: {variable} is set exactly where `limits.{field}` is applied"
            );
            if value.is_null() {
                continue;
            }
            setters.push(function);
            let reference = serde_norway::to_string(value).unwrap();
            let parameter = reference
                .trim()
                .strip_prefix("!Ref ")
                .unwrap_or_else(|| panic!("{id}: {variable} comes from a parameter"));
            let default = template["Parameters"][parameter]["Default"]
                .as_str()
                .unwrap_or_else(|| panic!("{parameter} has a default"));
            assert!(
                matches!(Rule::parse("rule", default), Ok(Some(_))),
                "{parameter}'s default {default:?} is a rule"
            );
            assert!(
                template["Parameters"][parameter]["AllowedPattern"].is_string(),
                "{parameter} is checked when the stack is deployed"
            );
        }
        assert_eq!(setters, [expected], "{variable}");
    }
}
