//! Selection expressions: `-k "user and not slow"`, `--tag "db or api"`.
//!
//! Words combine with `and`, `or`, `not` and parentheses, as in pytest's `-k`.
//! For `-k` a word matches when it is a case-insensitive substring of the test
//! id; for tags a word matches when the test carries that tag exactly.

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Word(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Parse an expression; an empty or malformed one is a usage error naming it.
    pub fn parse(text: &str) -> Result<Expr> {
        let tokens = tokenize(text);
        if tokens.is_empty() {
            return Err(Error::Usage(format!("empty selection expression {text:?}")));
        }
        let mut parser = Parser { tokens, pos: 0 };
        let expr = parser
            .or()
            .map_err(|msg| Error::Usage(format!("bad expression {text:?}: {msg}")))?;
        if parser.pos != parser.tokens.len() {
            return Err(Error::Usage(format!(
                "bad expression {text:?}: unexpected {:?}",
                parser.tokens[parser.pos]
            )));
        }
        Ok(expr)
    }

    /// Evaluate with `matches(word)` deciding each word.
    pub fn eval(&self, matches: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Expr::Word(w) => matches(w),
            Expr::Not(e) => !e.eval(matches),
            Expr::And(a, b) => a.eval(matches) && b.eval(matches),
            Expr::Or(a, b) => a.eval(matches) || b.eval(matches),
        }
    }

    /// Whether a test id matches, `-k` style.
    #[must_use]
    pub fn matches_id(&self, id: &str) -> bool {
        let lower = id.to_lowercase();
        self.eval(&|w| lower.contains(&w.to_lowercase()))
    }

    /// Whether a set of tags matches, `--tag` style.
    #[must_use]
    pub fn matches_tags(&self, tags: &[String]) -> bool {
        self.eval(&|w| tags.iter().any(|t| t == w))
    }
}

fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch == '(' || ch == ')' || ch.is_whitespace() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !ch.is_whitespace() {
                out.push(ch.to_string());
            }
        } else {
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn or(&mut self) -> std::result::Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> std::result::Result<Expr, String> {
        let mut left = self.not()?;
        while self.peek() == Some("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> std::result::Result<Expr, String> {
        if self.peek() == Some("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> std::result::Result<Expr, String> {
        match self.peek() {
            None => Err("expression ends too early".into()),
            Some("(") => {
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(")") {
                    return Err("missing ')'".into());
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(tok @ (")" | "and" | "or")) => Err(format!("unexpected {tok:?}")),
            Some(word) => {
                let word = word.to_string();
                self.pos += 1;
                Ok(Expr::Word(word))
            }
        }
    }
}
