//! The JQL subset that dynamic webhooks accept: parse, validate, evaluate.
//!
//! Source: the `jqlFilter` description of `WebhookDetails` in the Jira REST
//! v3 spec. Supported fields: `project`, `issuetype` (alias `type`),
//! `status`, `issueKey` (aliases `key`, `issue`, `id`), `assignee`,
//! `reporter`, `cf[<id>]` and `issue.property[<key>].<path>`; operators
//! `=`, `!=`, `IN`, `NOT IN`; `AND`/`OR`/`NOT` (also `&&`, `||`, `!`) and
//! parentheses. Keywords and field names are case-insensitive; values are
//! compared case-insensitively. Values are `"double"`- or `'single'`-quoted
//! or bare words; bare `EMPTY` and `NULL` mean "no value".
//!
//! Messages follow Jira's wire texts where they are known
//! (`Operator is not is unsupported`, `The clause watchCount is unsupported`,
//! the parser's `Error in the JQL Query: …` family). The texts for
//! functions, `ORDER BY`, list operands, an empty filter and over-deep
//! nesting are this fake's own (no source records Jira's).
//!
//! Parsing never panics and is bounded: nesting deeper than [`MAX_DEPTH`]
//! is an error, everything else is linear in the input.

use serde_json::Value;

/// The deepest nesting of parentheses and `NOT` accepted.
pub const MAX_DEPTH: usize = 64;

/// What kind of problem a filter has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JqlErrorKind {
    /// The filter is empty or blank.
    Empty,
    /// The text is not JQL (unbalanced quotes or parentheses, missing operator…).
    Syntax,
    /// Valid JQL naming a field outside the webhook subset.
    UnsupportedClause,
    /// Valid JQL using an operator outside `=`, `!=`, `IN`, `NOT IN`.
    UnsupportedOperator,
    /// Valid JQL using a function, `ORDER BY` or a list where one value belongs.
    UnsupportedOther,
}

/// A rejected filter: the kind and the message Jira would put in the
/// registration result's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JqlError {
    kind: JqlErrorKind,
    message: String,
}

impl JqlError {
    fn new(kind: JqlErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    fn syntax(message: impl std::fmt::Display) -> Self {
        Self::new(
            JqlErrorKind::Syntax,
            format!("Error in the JQL Query: {message}"),
        )
    }

    /// The kind of problem.
    pub fn kind(&self) -> JqlErrorKind {
        self.kind
    }

    /// The message, exactly as it goes on the wire.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A parsed, validated webhook filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    expr: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Clause(Clause),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Clause {
    field: Field,
    negated: bool,
    values: Vec<Val>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Project,
    IssueType,
    Status,
    IssueKey,
    Assignee,
    Reporter,
    Custom(String),
    Property { key: String, path: Vec<String> },
}

/// A compared value, lower-cased; `Empty` is bare `EMPTY` or `NULL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Text(String),
    Empty,
}

/// Parses and validates `jql` against the webhook subset.
///
/// Errors: a [`JqlError`] whose message is the text Jira returns in the
/// per-item `errors` of `registerDynamicWebhooks`.
pub fn parse(jql: &str) -> Result<Query, JqlError> {
    if jql.trim().is_empty() {
        return Err(JqlError::new(
            JqlErrorKind::Empty,
            "The JQL filter is empty; dynamic webhooks need a non-empty filter (for example project != null)",
        ));
    }
    let tokens = lex(jql)?;
    let raw = Parser::new(tokens).query()?;
    validate(&raw).map(|expr| Query { expr })
}

/// Parses `jql` (non-blank) without the webhook subset's checks: the
/// filter ([`Raw::OrderBy`] alone when it is only an `ORDER BY`) and the
/// words after `ORDER BY` as written, commas included (empty without one).
/// Errors: the parser's `Error in the JQL Query: …` messages.
pub(crate) fn parse_raw(jql: &str) -> Result<(Raw, Vec<String>), JqlError> {
    let mut parser = Parser::new(lex(jql)?);
    let raw = parser.query()?;
    Ok((raw, parser.order))
}

impl Query {
    /// Whether `issue` (an issue as Jira's REST API returns it, with `key`,
    /// `id` and `fields`) satisfies the filter.
    pub fn matches(&self, issue: &Value) -> bool {
        eval(&self.expr, issue)
    }
}

// ---------------------------------------------------------------- lexing

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    LBracket,
    RBracket,
    Op(&'static str),
    Word(String),
    Quoted(String),
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    col: usize,
}

impl Token {
    fn at(&self) -> String {
        format!("(line {}, character {})", self.line, self.col)
    }

    fn text(&self) -> String {
        match &self.tok {
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::LBracket => "[".into(),
            Tok::RBracket => "]".into(),
            Tok::Op(o) => (*o).into(),
            Tok::Word(w) => w.clone(),
            Tok::Quoted(q) => q.clone(),
            Tok::Eof => "EOF".into(),
        }
    }

    fn is_word(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }
}

const DELIMITERS: &str = "()[],=\"'!~<>&|";

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
}

fn lex(input: &str) -> Result<Vec<Token>, JqlError> {
    let mut lx = Lexer {
        chars: input.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    while let Some(c) = lx.peek(0) {
        if c.is_whitespace() {
            lx.advance(1);
            continue;
        }
        let (line, col) = (lx.line, lx.col);
        let tok = lx.token(c)?;
        out.push(Token { tok, line, col });
    }
    out.push(Token {
        tok: Tok::Eof,
        line: lx.line,
        col: lx.col,
    });
    Ok(out)
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn advance(&mut self, n: usize) {
        for _ in 0..n {
            if self.peek(0) == Some('\n') {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
            self.i += 1;
        }
    }

    fn token(&mut self, c: char) -> Result<Tok, JqlError> {
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(tok) = single {
            self.advance(1);
            return Ok(tok);
        }
        match c {
            '"' | '\'' => self.quoted(c),
            c if DELIMITERS.contains(c) => Ok(self.operator(c)),
            _ => Ok(self.word()),
        }
    }

    fn operator(&mut self, c: char) -> Tok {
        let next = self.peek(1);
        let (op, len) = match (c, next) {
            ('!', Some('=')) => ("!=", 2),
            ('!', Some('~')) => ("!~", 2),
            ('<', Some('=')) => ("<=", 2),
            ('>', Some('=')) => (">=", 2),
            ('&', Some('&')) => ("&&", 2),
            ('|', Some('|')) => ("||", 2),
            ('!', _) => ("!", 1),
            ('<', _) => ("<", 1),
            ('>', _) => (">", 1),
            ('&', _) => ("&", 1),
            ('|', _) => ("|", 1),
            ('~', _) => ("~", 1),
            _ => ("=", 1),
        };
        self.advance(len);
        Tok::Op(op)
    }

    fn word(&mut self) -> Tok {
        let mut w = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() || DELIMITERS.contains(c) {
                break;
            }
            w.push(c);
            self.advance(1);
        }
        Tok::Word(w)
    }

    fn quoted(&mut self, quote: char) -> Result<Tok, JqlError> {
        let (line, col) = (self.line, self.col);
        self.advance(1);
        let mut s = String::new();
        loop {
            match self.peek(0) {
                None => return Err(unterminated(&s, line, col)),
                Some(c) if c == quote => {
                    self.advance(1);
                    return Ok(Tok::Quoted(s));
                }
                Some('\\') => {
                    let Some(e) = self.peek(1) else {
                        return Err(unterminated(&s, line, col));
                    };
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                    self.advance(2);
                }
                Some(c) => {
                    s.push(c);
                    self.advance(1);
                }
            }
        }
    }
}

fn unterminated(s: &str, line: usize, col: usize) -> JqlError {
    JqlError::syntax(format!(
        "The quoted string '{s}' has not been completed. (line {line}, character {col})"
    ))
}

// ---------------------------------------------------------------- parsing

/// A parsed filter before the webhook subset's checks; the issue search
/// ([`crate::model::issues::search`]) validates it against its own subset.
#[derive(Debug, Clone)]
pub(crate) enum Raw {
    And(Vec<Raw>),
    Or(Vec<Raw>),
    Not(Box<Raw>),
    Clause(RawClause),
    OrderBy,
}

#[derive(Debug, Clone)]
pub(crate) struct RawClause {
    pub(crate) field: RawField,
    /// Lower-case: `=`, `!=`, `~`, `in`, `not in`, `is`, `is not`, `was`…
    pub(crate) op: String,
    pub(crate) operand: Operand,
}

#[derive(Debug, Clone)]
pub(crate) struct RawField {
    pub(crate) base: String,
    pub(crate) bracket: Option<String>,
    pub(crate) path: Option<String>,
}

impl RawField {
    /// The field as written (`cf[10000]`, `issue.property[k].a`).
    pub(crate) fn written(&self) -> String {
        let mut s = self.base.clone();
        if let Some(b) = &self.bracket {
            s.push('[');
            s.push_str(b);
            s.push(']');
        }
        if let Some(p) = &self.path {
            s.push_str(p);
        }
        s
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Nothing,
    One(Val),
    List(Vec<Val>),
    /// A function call: its name as written and its arguments.
    Function(String, Vec<Val>),
}

const OPERATORS: &str = "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.";
const RESERVED: [&str; 6] = ["and", "or", "not", "in", "is", "order"];

struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
    /// The tokens after `ORDER BY`, as written (commas as `,`).
    order: Vec<String>,
}

impl Parser {
    fn new(toks: Vec<Token>) -> Self {
        Self {
            toks,
            i: 0,
            depth: 0,
            order: Vec::new(),
        }
    }

    fn peek(&self) -> &Token {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[self.i.min(last)]
    }

    fn peek2(&self) -> &Token {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[(self.i + 1).min(last)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn expected(&self, what: &str) -> JqlError {
        let t = self.peek();
        if t.tok == Tok::Eof {
            JqlError::syntax(format!("Expecting {what} before the end of the query."))
        } else {
            JqlError::syntax(format!(
                "Expecting {what} but got '{}'. {}",
                t.text(),
                t.at()
            ))
        }
    }

    fn query(&mut self) -> Result<Raw, JqlError> {
        let expr = if self.peek().is_word("order") {
            Raw::OrderBy
        } else {
            self.or_expr()?
        };
        if self.peek().is_word("order") {
            self.order_by()?;
            return Ok(Raw::And(vec![expr, Raw::OrderBy]));
        }
        if self.peek().tok != Tok::Eof {
            return Err(self.expected("either 'OR' or 'AND'"));
        }
        Ok(expr)
    }

    fn order_by(&mut self) -> Result<(), JqlError> {
        self.bump();
        if !self.peek().is_word("by") {
            return Err(self.expected("'BY'"));
        }
        self.bump();
        if self.peek().tok == Tok::Eof {
            return Err(self.expected("a field name"));
        }
        let end = self.toks.len().saturating_sub(1);
        self.order = self.toks[self.i.min(end)..end]
            .iter()
            .map(Token::text)
            .collect();
        self.i = end;
        Ok(())
    }

    fn descend(&mut self) -> Result<(), JqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JqlError::syntax(format!(
                "The query is nested more than {MAX_DEPTH} levels deep."
            )));
        }
        Ok(())
    }

    fn is_or(&self) -> bool {
        let t = self.peek();
        t.is_word("or") || matches!(t.tok, Tok::Op("||") | Tok::Op("|"))
    }

    fn is_and(&self) -> bool {
        let t = self.peek();
        t.is_word("and") || matches!(t.tok, Tok::Op("&&") | Tok::Op("&"))
    }

    fn or_expr(&mut self) -> Result<Raw, JqlError> {
        let mut parts = vec![self.and_expr()?];
        while self.is_or() {
            self.bump();
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Raw::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Raw, JqlError> {
        let mut parts = vec![self.not_expr()?];
        while self.is_and() {
            self.bump();
            parts.push(self.not_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Raw::And(parts)
        })
    }

    fn not_expr(&mut self) -> Result<Raw, JqlError> {
        let t = self.peek();
        if t.is_word("not") || t.tok == Tok::Op("!") {
            self.bump();
            self.descend()?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            return Ok(Raw::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Raw, JqlError> {
        if self.peek().tok != Tok::LParen {
            return self.clause().map(Raw::Clause);
        }
        self.bump();
        self.descend()?;
        let inner = self.or_expr()?;
        self.depth -= 1;
        match self.peek().tok {
            Tok::RParen => {
                self.bump();
                Ok(inner)
            }
            Tok::Eof => Err(self.expected("')'")),
            _ => Err(self.expected("either 'OR' or 'AND'")),
        }
    }

    fn clause(&mut self) -> Result<RawClause, JqlError> {
        let field = self.field()?;
        let op = self.operator()?;
        let operand = if op == "changed" {
            Operand::Nothing
        } else {
            self.operand()?
        };
        Ok(RawClause { field, op, operand })
    }

    fn field(&mut self) -> Result<RawField, JqlError> {
        let base = match &self.peek().tok {
            Tok::Word(w) if !is_reserved(w) => w.clone(),
            Tok::Quoted(q) => q.clone(),
            _ => return Err(self.expected("a field name")),
        };
        self.bump();
        let mut field = RawField {
            base,
            bracket: None,
            path: None,
        };
        if self.peek().tok == Tok::LBracket {
            self.bump();
            field.bracket = Some(self.bracket_content()?);
            if let Tok::Word(w) = &self.peek().tok
                && w.starts_with('.')
            {
                field.path = Some(w.clone());
                self.bump();
            }
        }
        Ok(field)
    }

    fn bracket_content(&mut self) -> Result<String, JqlError> {
        let inner = match &self.peek().tok {
            Tok::Word(w) => w.clone(),
            Tok::Quoted(q) => q.clone(),
            _ => return Err(self.expected("a property key or custom field ID")),
        };
        self.bump();
        if self.peek().tok != Tok::RBracket {
            return Err(self.expected("']'"));
        }
        self.bump();
        Ok(inner)
    }

    fn operator(&mut self) -> Result<String, JqlError> {
        let t = self.peek().clone();
        if let Tok::Op(o) = t.tok
            && matches!(o, "=" | "!=" | "~" | "!~" | "<" | ">" | "<=" | ">=")
        {
            self.bump();
            return Ok(o.to_owned());
        }
        let Tok::Word(w) = &t.tok else {
            return Err(self.operator_expected());
        };
        match w.to_ascii_lowercase().as_str() {
            "in" => self.words(&["in"]),
            "not" if self.peek2().is_word("in") => self.words(&["not", "in"]),
            "is" if self.peek2().is_word("not") => self.words(&["is", "not"]),
            "is" => self.words(&["is"]),
            "was" => Ok(self.was()),
            "changed" => self.words(&["changed"]),
            _ => Err(self.operator_expected()),
        }
    }

    fn operator_expected(&self) -> JqlError {
        let t = self.peek();
        if t.tok == Tok::Eof {
            JqlError::syntax(format!(
                "Expecting operator before the end of the query. {OPERATORS}"
            ))
        } else {
            JqlError::syntax(format!(
                "Expecting operator but got '{}'. {OPERATORS} {}",
                t.text(),
                t.at()
            ))
        }
    }

    fn words(&mut self, ws: &[&str]) -> Result<String, JqlError> {
        for _ in ws {
            self.bump();
        }
        Ok(ws.join(" "))
    }

    fn was(&mut self) -> String {
        self.bump();
        let mut op = String::from("was");
        for next in ["not", "in"] {
            if self.peek().is_word(next) {
                self.bump();
                op.push(' ');
                op.push_str(next);
            }
        }
        op
    }

    fn operand(&mut self) -> Result<Operand, JqlError> {
        if self.peek().tok == Tok::LParen {
            self.bump();
            return self.list_rest().map(Operand::List);
        }
        if let Tok::Word(w) = &self.peek().tok
            && self.peek2().tok == Tok::LParen
            && !is_reserved(w)
        {
            let name = w.clone();
            self.bump();
            self.bump();
            let args = self.function_args()?;
            return Ok(Operand::Function(name, args));
        }
        self.value().map(Operand::One)
    }

    fn value(&mut self) -> Result<Val, JqlError> {
        let t = self.peek().clone();
        let v = match &t.tok {
            Tok::Quoted(q) => Val::Text(q.to_lowercase()),
            Tok::Word(w) if is_reserved(w) => {
                return Err(JqlError::syntax(format!(
                    "'{w}' is a reserved JQL word. You must surround it in quotation marks to use it in a query. {}",
                    t.at()
                )));
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("empty") || w.eq_ignore_ascii_case("null") => {
                Val::Empty
            }
            Tok::Word(w) => Val::Text(w.to_lowercase()),
            _ => return Err(self.expected("either a value, list or function")),
        };
        self.bump();
        Ok(v)
    }

    fn list_rest(&mut self) -> Result<Vec<Val>, JqlError> {
        let mut vals = vec![self.value()?];
        loop {
            match self.peek().tok {
                Tok::Comma => {
                    self.bump();
                    vals.push(self.value()?);
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(vals);
                }
                _ => return Err(self.expected("')'")),
            }
        }
    }

    fn function_args(&mut self) -> Result<Vec<Val>, JqlError> {
        if self.peek().tok == Tok::RParen {
            self.bump();
            return Ok(Vec::new());
        }
        self.list_rest()
    }
}

fn is_reserved(w: &str) -> bool {
    RESERVED.iter().any(|r| w.eq_ignore_ascii_case(r))
}

// ---------------------------------------------------------------- validation

fn validate(raw: &Raw) -> Result<Expr, JqlError> {
    match raw {
        Raw::And(parts) => parts
            .iter()
            .map(validate)
            .collect::<Result<_, _>>()
            .map(Expr::And),
        Raw::Or(parts) => parts
            .iter()
            .map(validate)
            .collect::<Result<_, _>>()
            .map(Expr::Or),
        Raw::Not(inner) => validate(inner).map(|e| Expr::Not(Box::new(e))),
        Raw::Clause(c) => validate_clause(c).map(Expr::Clause),
        Raw::OrderBy => Err(JqlError::new(
            JqlErrorKind::UnsupportedOther,
            "The ORDER BY clause is unsupported",
        )),
    }
}

fn validate_clause(c: &RawClause) -> Result<Clause, JqlError> {
    let field = resolve_field(&c.field).ok_or_else(|| {
        JqlError::new(
            JqlErrorKind::UnsupportedClause,
            format!("The clause {} is unsupported", c.field.written()),
        )
    })?;
    let negated = match c.op.as_str() {
        "=" | "in" => false,
        "!=" | "not in" => true,
        other => {
            return Err(JqlError::new(
                JqlErrorKind::UnsupportedOperator,
                format!("Operator {other} is unsupported"),
            ));
        }
    };
    let values = operand_values(&c.op, &c.operand)?;
    Ok(Clause {
        field,
        negated,
        values,
    })
}

fn operand_values(op: &str, operand: &Operand) -> Result<Vec<Val>, JqlError> {
    match operand {
        Operand::One(v) => Ok(vec![v.clone()]),
        Operand::List(vs) if op.ends_with("in") => Ok(vs.clone()),
        Operand::List(_) => Err(JqlError::new(
            JqlErrorKind::UnsupportedOther,
            format!("The operator '{op}' does not support multi-value operands"),
        )),
        Operand::Function(name, _) => Err(JqlError::new(
            JqlErrorKind::UnsupportedOther,
            format!("The function {name} is unsupported"),
        )),
        Operand::Nothing => Err(JqlError::new(
            JqlErrorKind::UnsupportedOperator,
            format!("Operator {op} is unsupported"),
        )),
    }
}

fn resolve_field(f: &RawField) -> Option<Field> {
    let base = f.base.to_ascii_lowercase();
    match (&f.bracket, &f.path) {
        (None, None) => simple_field(&base),
        (Some(id), None) if base == "cf" && is_digits(id) => Some(Field::Custom(id.clone())),
        (Some(key), path) if base == "issue.property" => Some(Field::Property {
            key: key.clone(),
            path: path
                .as_deref()
                .unwrap_or("")
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }),
        _ => None,
    }
}

fn simple_field(lower: &str) -> Option<Field> {
    Some(match lower {
        "project" => Field::Project,
        "issuetype" | "type" => Field::IssueType,
        "status" => Field::Status,
        "issuekey" | "key" | "issue" | "id" => Field::IssueKey,
        "assignee" => Field::Assignee,
        "reporter" => Field::Reporter,
        _ => {
            let id = lower.strip_prefix("customfield_")?;
            return is_digits(id).then(|| Field::Custom(id.to_owned()));
        }
    })
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------- evaluation

fn eval(expr: &Expr, issue: &Value) -> bool {
    match expr {
        Expr::And(parts) => parts.iter().all(|e| eval(e, issue)),
        Expr::Or(parts) => parts.iter().any(|e| eval(e, issue)),
        Expr::Not(inner) => !eval(inner, issue),
        Expr::Clause(c) => eval_clause(c, issue),
    }
}

fn eval_clause(c: &Clause, issue: &Value) -> bool {
    let have = candidates(&c.field, issue);
    let hit = c
        .values
        .iter()
        .any(|v| matches!(v, Val::Text(t) if have.contains(t)));
    if c.negated {
        !have.is_empty() && !hit
    } else {
        hit || (have.is_empty() && c.values.contains(&Val::Empty))
    }
}

/// The lower-cased strings a field of `issue` can be matched by.
fn candidates(field: &Field, issue: &Value) -> Vec<String> {
    let fields = &issue["fields"];
    let v = match field {
        Field::Project => &fields["project"],
        Field::IssueType => &fields["issuetype"],
        Field::Status => &fields["status"],
        Field::Assignee => &fields["assignee"],
        Field::Reporter => &fields["reporter"],
        Field::Custom(id) => &fields[format!("customfield_{id}").as_str()],
        Field::IssueKey => {
            return [&issue["key"], &issue["id"]]
                .iter()
                .flat_map(|v| strings(v, 0))
                .collect();
        }
        Field::Property { key, path } => return property(issue, key, path),
    };
    strings(v, 0)
}

fn property(issue: &Value, key: &str, path: &[String]) -> Vec<String> {
    let props = &issue["properties"];
    let mut v = match props {
        Value::Array(items) => items
            .iter()
            .find(|p| p["key"] == key)
            .map_or(&Value::Null, |p| &p["value"]),
        _ => &props[key],
    };
    for step in path {
        v = &v[step.as_str()];
    }
    strings(v, 0)
}

const NAMING_KEYS: [&str; 7] = [
    "key",
    "id",
    "name",
    "value",
    "accountId",
    "emailAddress",
    "displayName",
];

fn strings(v: &Value, depth: usize) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.to_lowercase()],
        Value::Number(n) => vec![n.to_string()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Object(m) if depth < 2 => NAMING_KEYS
            .iter()
            .filter_map(|k| m.get(*k))
            .flat_map(|x| strings(x, depth + 1))
            .collect(),
        Value::Array(items) if depth < 2 => {
            items.iter().flat_map(|x| strings(x, depth + 1)).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issue() -> Value {
        json!({"id": "10001", "key": "ABC-1", "fields": {
            "project": {"id": "10000", "key": "ABC", "name": "Alphabet"},
            "issuetype": {"id": "1", "name": "Bug"},
            "status": {"name": "To Do"},
            "assignee": null,
            "reporter": {"accountId": "acc-1"},
            "customfield_10014": "EPIC-LABEL"},
            "properties": {"team": {"name": "core"}}})
    }

    fn err(jql: &str) -> String {
        parse(jql).map(|_| ()).unwrap_err().message().to_owned()
    }

    fn is_match(jql: &str) -> bool {
        parse(jql).unwrap().matches(&issue())
    }

    #[test]
    fn known_jira_messages_are_reproduced() {
        assert_eq!(
            err("project is not EMPTY"),
            "Operator is not is unsupported"
        );
        assert_eq!(
            err("watchCount = 3"),
            "The clause watchCount is unsupported"
        );
        assert_eq!(
            err("project = ABC AND priority = High"),
            "The clause priority is unsupported"
        );
        assert_eq!(err("summary ~ foo"), "The clause summary is unsupported");
        assert_eq!(err("status WAS Done"), "Operator was is unsupported");
        assert_eq!(err("project > 1"), "Operator > is unsupported");
    }

    #[test]
    fn syntax_errors_use_the_jql_parser_shape() {
        assert!(
            err(r#"component = "A"#).starts_with(
                "Error in the JQL Query: The quoted string 'A' has not been completed."
            )
        );
        assert!(err("project").contains("Expecting operator before the end of the query"));
        assert!(
            err("project = ").contains("Expecting either a value, list or function before the end")
        );
        assert!(err("project = A B").contains("Expecting either 'OR' or 'AND' but got 'B'"));
        assert!(err("(project = A").contains("Expecting ')' before the end"));
        assert!(err("project = and").contains("reserved JQL word"));
        assert_eq!(parse("  ").unwrap_err().kind(), JqlErrorKind::Empty);
    }

    #[test]
    fn functions_order_by_and_lists_with_equals_are_rejected() {
        assert_eq!(
            parse("assignee = currentUser()").unwrap_err().kind(),
            JqlErrorKind::UnsupportedOther
        );
        assert_eq!(
            parse("project = A ORDER BY key").unwrap_err().kind(),
            JqlErrorKind::UnsupportedOther
        );
        assert_eq!(
            parse("project = (A, B)").unwrap_err().kind(),
            JqlErrorKind::UnsupportedOther
        );
    }

    #[test]
    fn supported_clauses_match_case_insensitively() {
        assert!(is_match("project = abc"));
        assert!(is_match("PROJECT = Alphabet and IssueType = bug"));
        assert!(is_match(r#"status = "to do""#));
        assert!(is_match("issueKey = abc-1"));
        assert!(is_match("project IN (XYZ, 'ABC') AND status NOT IN (Done)"));
        assert!(!is_match("project != ABC"));
        assert!(is_match("project != null"));
        assert!(is_match("assignee = EMPTY AND reporter = acc-1"));
        assert!(!is_match("assignee != bob"));
        assert!(is_match("cf[10014] = epic-label"));
        assert!(is_match("issue.property[team].name = CORE"));
        assert!(is_match(
            "NOT (project = XYZ OR status = Done) && type = Bug"
        ));
        assert!(is_match("project = XYZ || !(status = Done)"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}project = A{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(parse(&deep).unwrap_err().kind(), JqlErrorKind::Syntax);
        let nots = format!("{}project = A", "NOT ".repeat(10_000));
        assert_eq!(parse(&nots).unwrap_err().kind(), JqlErrorKind::Syntax);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn jqlish() -> impl Strategy<Value = String> {
            let atom = prop_oneof![
                Just("project"),
                Just("status"),
                Just("="),
                Just("!="),
                Just("in"),
                Just("not"),
                Just("and"),
                Just("or"),
                Just("("),
                Just(")"),
                Just(","),
                Just("\""),
                Just("'"),
                Just("ABC"),
                Just("is"),
                Just("empty"),
                Just("["),
                Just("]"),
                Just("cf"),
                Just("order"),
                Just("by"),
                Just("~"),
                Just("\\"),
            ];
            prop::collection::vec(atom, 0..30).prop_map(|v| v.join(" "))
        }

        proptest! {
            #[test]
            fn parse_never_panics_on_arbitrary_text(s in ".*") {
                let _ = parse(&s).map(|q| q.matches(&issue()));
            }

            #[test]
            fn parse_never_panics_on_token_soup(s in jqlish()) {
                let _ = parse(&s).map(|q| q.matches(&issue()));
            }
        }
    }
}
