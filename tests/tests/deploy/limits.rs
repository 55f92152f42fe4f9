//! Rate limits are parameters of the stack: each rule's variable is set on
//! exactly the function that applies it, from a parameter whose default is a
//! valid rule.

use std::collections::BTreeSet;

use shared::{
    Function,
    ground::config::{RateLimits, Rule},
};

use crate::{binary, functions, template};

#[test]
fn every_rate_limit_is_a_parameter_set_on_the_function_that_applies_it() {
    let template = template();
    let applied: BTreeSet<&str> = Function::ALL
        .iter()
        .flat_map(|f| f.rate_limits().iter().copied())
        .collect();
    let variables: BTreeSet<&str> = RateLimits::VARIABLES.iter().map(|(v, _)| *v).collect();
    assert_eq!(applied, variables, "every rule is applied by some function");
    for (id, properties, metadata) in functions(&template) {
        let name = binary(&metadata);
        let function = Function::named(&name).unwrap_or_else(|| panic!("{id}: {name}"));
        for (variable, _) in RateLimits::VARIABLES {
            let value = &properties["Environment"]["Variables"][variable];
            let applies = function.rate_limits().contains(variable);
            assert_eq!(
                !value.is_null(),
                applies,
                "{id}: {variable} is set exactly where it is applied"
            );
            if value.is_null() {
                continue;
            }
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
    }
}

/// A function reads only the rules it applies: the others are off in its app.
#[test]
fn a_function_keeps_only_its_own_rules() {
    let all = RateLimits::from_lookup(|_| Some("5/60".to_owned())).unwrap();
    let login = all.clone().only(Function::LoginUser.rate_limits());
    assert!(login.login_per_ip.is_some() && login.login_per_email.is_some());
    assert!(login.register_per_ip.is_none() && login.articles_per_user.is_none());
    assert_eq!(
        all.only(Function::Health.rate_limits()),
        RateLimits::default()
    );
}
