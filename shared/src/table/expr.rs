//! Builders for DynamoDB expressions, so placeholders (`#name`, `:v0`) are
//! generated rather than spelled by hand and can never collide.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

type Names = Option<HashMap<String, String>>;
type Values = Option<HashMap<String, AttributeValue>>;

/// A condition (or key condition) expression with its placeholders.
#[derive(Debug, Default, Clone)]
pub struct Expr {
    text: String,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    pub fn new() -> Self {
        Self::default()
    }

    /// The placeholder for attribute `attr`.
    pub fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#{attr}");
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    /// A fresh placeholder bound to `value`.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    pub fn string(&mut self, value: impl Into<String>) -> String {
        self.value(AttributeValue::S(value.into()))
    }

    pub fn number(&mut self, value: i64) -> String {
        self.value(AttributeValue::N(value.to_string()))
    }

    /// Adds a clause, joined to the previous ones with AND.
    pub fn and(&mut self, clause: impl AsRef<str>) -> &mut Self {
        if !self.text.is_empty() {
            self.text.push_str(" AND ");
        }
        self.text.push_str(clause.as_ref());
        self
    }

    /// `attribute_exists(attr)`: the item is there.
    pub fn exists(attr: &str) -> Self {
        let mut expr = Self::new();
        expr.and_exists(attr);
        expr
    }

    pub fn and_exists(&mut self, attr: &str) -> &mut Self {
        let name = self.name(attr);
        self.and(format!("attribute_exists({name})"))
    }

    /// `attribute_not_exists(attr)`: the item is not there yet.
    pub fn not_exists(attr: &str) -> Self {
        let mut expr = Self::new();
        let name = expr.name(attr);
        expr.and(format!("attribute_not_exists({name})"));
        expr
    }

    /// `attr = value`.
    pub fn equals(attr: &str, value: AttributeValue) -> Self {
        let mut expr = Self::new();
        expr.and_equals(attr, value);
        expr
    }

    pub fn and_equals(&mut self, attr: &str, value: AttributeValue) -> &mut Self {
        let name = self.name(attr);
        let value = self.value(value);
        self.and(format!("{name} = {value}"))
    }

    /// `attr = version`: the item is still at the version that was read. An
    /// item written before it carried the attribute counts as version 0.
    pub fn and_version(&mut self, attr: &str, version: u64) -> &mut Self {
        let name = self.name(attr);
        let value = self.value(AttributeValue::N(version.to_string()));
        if version == 0 {
            self.and(format!(
                "(attribute_not_exists({name}) OR {name} = {value})"
            ))
        } else {
            self.and(format!("{name} = {value}"))
        }
    }

    pub(crate) fn parts(expr: Option<Self>) -> (Option<String>, Names, Values) {
        match expr {
            None => (None, None, None),
            Some(expr) => {
                let (names, values) = non_empty(expr.names, expr.values);
                (Some(expr.text).filter(|t| !t.is_empty()), names, values)
            }
        }
    }

    pub(crate) fn into_maps(self) -> (String, Names, Values) {
        let (names, values) = non_empty(self.names, self.values);
        (self.text, names, values)
    }
}

fn non_empty(
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
) -> (Names, Values) {
    (
        Some(names).filter(|n| !n.is_empty()),
        Some(values).filter(|v| !v.is_empty()),
    )
}

/// An update expression (`SET … REMOVE … ADD …`) and its condition, sharing
/// one set of placeholders.
#[derive(Debug, Default, Clone)]
pub struct UpdateExpr {
    sets: Vec<String>,
    removes: Vec<String>,
    adds: Vec<String>,
    condition: Expr,
}

impl UpdateExpr {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(mut self, attr: &str, value: AttributeValue) -> Self {
        let name = self.condition.name(attr);
        let value = self.condition.value(value);
        self.sets.push(format!("{name} = {value}"));
        self
    }

    /// `SET attr` to a string, or `REMOVE attr` for `None`.
    pub fn set_or_remove(self, attr: &str, value: Option<String>) -> Self {
        match value {
            Some(value) => self.set(attr, AttributeValue::S(value)),
            None => self.remove(attr),
        }
    }

    pub fn remove(mut self, attr: &str) -> Self {
        let name = self.condition.name(attr);
        self.removes.push(name);
        self
    }

    /// `ADD attr delta`: an atomic counter change; a missing counter counts as 0.
    pub fn add(mut self, attr: &str, delta: i64) -> Self {
        let name = self.condition.name(attr);
        let value = self.condition.number(delta);
        self.adds.push(format!("{name} {value}"));
        self
    }

    /// The condition, written with the same placeholder generator.
    pub fn condition(mut self, build: impl FnOnce(&mut Expr)) -> Self {
        build(&mut self.condition);
        self
    }

    pub fn expression(&self) -> String {
        let mut clauses = Vec::new();
        if !self.sets.is_empty() {
            clauses.push(format!("SET {}", self.sets.join(", ")));
        }
        if !self.removes.is_empty() {
            clauses.push(format!("REMOVE {}", self.removes.join(", ")));
        }
        if !self.adds.is_empty() {
            clauses.push(format!("ADD {}", self.adds.join(", ")));
        }
        clauses.join(" ")
    }

    pub(crate) fn into_parts(self) -> (String, Option<String>, Names, Values) {
        let expression = self.expression();
        let (condition, names, values) = self.condition.into_maps();
        (
            expression,
            Some(condition).filter(|c| !c.is_empty()),
            names,
            values,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_and_condition_share_placeholders() {
        let update = UpdateExpr::new()
            .set("username", AttributeValue::S("new".into()))
            .remove("bio")
            .add("articles_count", 1)
            .condition(|c| {
                let pk = c.name("pk");
                c.and(format!("attribute_exists({pk})"));
                c.and_equals("username", AttributeValue::S("old".into()));
            });
        let (expression, condition, names, values) = update.into_parts();
        assert_eq!(
            expression,
            "SET #username = :v0 REMOVE #bio ADD #articles_count :v1"
        );
        assert_eq!(
            condition.as_deref(),
            Some("attribute_exists(#pk) AND #username = :v2")
        );
        assert_eq!(names.unwrap().len(), 4);
        let values = values.unwrap();
        assert_eq!(values[":v0"], AttributeValue::S("new".into()));
        assert_eq!(values[":v2"], AttributeValue::S("old".into()));
    }

    #[test]
    fn empty_condition_is_omitted() {
        let (condition, names, values) = Expr::parts(Some(Expr::new()));
        assert!(condition.is_none() && names.is_none() && values.is_none());
    }
}
