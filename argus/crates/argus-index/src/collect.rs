//! Builds a file's semantic model from Ruff's syntax tree.
//!
//! Ruff's parser is error-tolerant: a file with syntax errors still yields a
//! tree (with the broken region as error nodes), so a file being edited keeps
//! its definitions and uses. The walk below records, in one pass, every
//! binding (with its annotation and value kept as a `VExpr`), every name and
//! attribute use, every call, and the narrowing facts (`is None`,
//! `isinstance`) in force at each use.

use std::path::Path;

use ruff_python_ast::name::Name;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    self as ast, CmpOp, Expr, ExprContext, Operator, Parameters, PySourceType, Stmt, UnaryOp,
};
use ruff_python_parser::parse_unchecked_source;
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashMap;

use crate::lines::LineIndex;
use crate::model::{
    Call, Decorations, Def, DefId, DefKind, Import, ImportTarget, ModuleData, Narrow, Param,
    ParamKind, Scope, ScopeId, ScopeKind, Signature, SyntaxError, Use, UseKind, VExpr,
};

/// Build the model of one file. Never fails: syntax errors are recorded.
#[must_use]
pub fn collect(
    path: &Path,
    name: &str,
    is_package: bool,
    source: String,
    in_project: bool,
) -> ModuleData {
    let is_stub = path.extension().is_some_and(|e| e == "pyi");
    let parsed = parse_unchecked_source(&source, PySourceType::from(path));
    let syntax_errors = parsed
        .errors()
        .iter()
        .map(|e| SyntaxError {
            range: e.location,
            message: e.error.to_string(),
        })
        .collect();
    let module = parsed.syntax();
    let mut c = Collector::new(&source, name, is_package);
    let doc = docstring(&module.body);
    c.scopes
        .push(new_scope(ScopeKind::Module, None, module.range, None));
    c.visit_body(&module.body);
    let mut uses = c.uses;
    uses.sort_by_key(|u| u.range.start());
    let mut uses_by_name: FxHashMap<Name, Vec<u32>> = FxHashMap::default();
    for (i, u) in uses.iter().enumerate() {
        uses_by_name
            .entry(u.name.clone())
            .or_default()
            .push(u32::try_from(i).unwrap_or(u32::MAX));
    }
    let lines = LineIndex::new(&source);
    ModuleData {
        path: path.to_path_buf(),
        name: name.to_string(),
        is_package,
        is_stub,
        in_project,
        lines,
        defs: c.defs,
        scopes: c.scopes,
        uses,
        calls: c.calls,
        imports: c.imports,
        all: c.all,
        doc,
        syntax_errors,
        uses_by_name,
        skipped: None,
        source,
    }
}

/// A model for a file that could not be read as Python source.
#[must_use]
pub fn skipped(
    path: &Path,
    name: &str,
    is_package: bool,
    in_project: bool,
    reason: String,
) -> ModuleData {
    let mut data = collect(path, name, is_package, String::new(), in_project);
    data.skipped = Some(reason);
    data
}

fn new_scope(
    kind: ScopeKind,
    parent: Option<ScopeId>,
    range: TextRange,
    owner: Option<DefId>,
) -> Scope {
    Scope {
        kind,
        parent,
        range,
        owner,
        bindings: FxHashMap::default(),
        globals: Vec::new(),
        star_imports: Vec::new(),
    }
}

/// The cleaned docstring of a body (first statement a string literal).
fn docstring(body: &[Stmt]) -> Option<Box<str>> {
    let Some(Stmt::Expr(ast::StmtExpr { value, .. })) = body.first() else {
        return None;
    };
    let Expr::StringLiteral(s) = value.as_ref() else {
        return None;
    };
    Some(clean_doc(s.value.to_str()).into_boxed_str())
}

/// `inspect.cleandoc`: strip the common indentation of lines after the first.
#[must_use]
pub fn clean_doc(doc: &str) -> String {
    let doc = doc.replace('\t', "        ");
    let mut lines = doc.lines();
    let first = lines.next().unwrap_or("").trim().to_string();
    let rest: Vec<&str> = lines.collect();
    let indent = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = vec![first];
    out.extend(rest.iter().map(|l| {
        if l.len() >= indent {
            l[indent..].trim_end().to_string()
        } else {
            l.trim().to_string()
        }
    }));
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    while out.first().is_some_and(String::is_empty) {
        out.remove(0);
    }
    out.join("\n")
}

fn collapse_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Narrowing facts: (name, what holds for it).
type Facts = Vec<(Name, Narrow)>;

struct Collector<'a> {
    source: &'a str,
    module: &'a str,
    is_package: bool,
    defs: Vec<Def>,
    scopes: Vec<Scope>,
    uses: Vec<Use>,
    calls: Vec<Call>,
    imports: Vec<Import>,
    all: Option<Vec<Name>>,
    scope: ScopeId,
    parent_def: Option<DefId>,
    /// Functions being walked (innermost last): where `return` values go.
    functions: Vec<DefId>,
    narrows: Vec<(Name, Narrow)>,
    optional_imports: u32,
}

impl<'a> Collector<'a> {
    fn new(source: &'a str, module: &'a str, is_package: bool) -> Self {
        Self {
            source,
            module,
            is_package,
            defs: Vec::new(),
            scopes: Vec::new(),
            uses: Vec::new(),
            calls: Vec::new(),
            imports: Vec::new(),
            all: None,
            scope: 0,
            parent_def: None,
            functions: Vec::new(),
            narrows: Vec::new(),
            optional_imports: 0,
        }
    }

    fn text(&self, range: TextRange) -> &'a str {
        self.source
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("")
    }

    fn push_scope(&mut self, kind: ScopeKind, range: TextRange, owner: Option<DefId>) -> ScopeId {
        let id = ScopeId::try_from(self.scopes.len()).unwrap_or(0);
        self.scopes
            .push(new_scope(kind, Some(self.scope), range, owner));
        self.scope = id;
        id
    }
}

/// `a.b.c` for a chain of attributes on a name: the key narrowing facts use.
fn dotted(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => dotted(&a.value).map(|b| format!("{b}.{}", a.attr.id)),
        _ => None,
    }
}

impl<'a> Collector<'a> {
    fn narrow_for_expr(&self, e: &Expr) -> Option<Box<Narrow>> {
        if self.narrows.is_empty() {
            return None;
        }
        dotted(e).and_then(|k| self.narrow_for(&k))
    }

    fn narrow_for(&self, name: &str) -> Option<Box<Narrow>> {
        self.narrows
            .iter()
            .rev()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, w)| Box::new(w.clone()))
    }

    fn new_def(&mut self, name: Name, kind: DefKind, range: TextRange, full: TextRange) -> Def {
        Def {
            name,
            kind,
            range,
            full,
            scope: self.scope,
            body: None,
            ann: None,
            value: None,
            doc: None,
            sig: None,
            bases: Vec::new(),
            type_params: Vec::new(),
            import: None,
            parent: self.parent_def,
            deco: Decorations::default(),
            opaque_ctor: false,
            optional: self.optional_imports > 0,
        }
    }

    /// Add a definition, binding its name in the right scope (honouring `global`).
    fn add_def(&mut self, mut def: Def) -> DefId {
        let mut scope = def.scope;
        if scope == self.scope && self.scopes[scope as usize].globals.contains(&def.name) {
            scope = 0;
            def.scope = 0;
        }
        let id = DefId::try_from(self.defs.len()).unwrap_or(0);
        self.scopes[scope as usize]
            .bindings
            .entry(def.name.clone())
            .or_default()
            .push(id);
        self.defs.push(def);
        id
    }

    fn add_use(&mut self, name: Name, range: TextRange, kind: UseKind, store: bool) {
        let narrow = if matches!(kind, UseKind::Name) {
            self.narrow_for(&name)
        } else {
            None
        };
        self.uses.push(Use {
            name,
            range,
            scope: self.scope,
            kind,
            store,
            narrow,
        });
    }

    // ----- value expressions -------------------------------------------------

    fn vexpr(&self, e: &Expr, ann: bool) -> VExpr {
        match e {
            Expr::Name(n) => VExpr::Name {
                name: n.id.clone(),
                scope: self.scope,
                at: n.range.start(),
                narrow: self.narrow_for(&n.id),
            },
            Expr::Attribute(a) => {
                let v = VExpr::Attr(Box::new(self.vexpr(&a.value, ann)), a.attr.id.clone());
                match self.narrow_for_expr(e) {
                    Some(n) => VExpr::Narrowed(Box::new(v), n),
                    None => v,
                }
            }
            Expr::Call(c) => VExpr::Call(Box::new(self.vexpr(&c.func, false))),
            Expr::Subscript(s) => {
                let args = match s.slice.as_ref() {
                    Expr::StringLiteral(k) if !ann && !k.value.is_implicit_concatenated() => {
                        vec![VExpr::Key(Name::new(k.value.to_str()))]
                    }
                    Expr::Tuple(t) => t.elts.iter().map(|x| self.vexpr(x, ann)).collect(),
                    other => vec![self.vexpr(other, ann)],
                };
                VExpr::Subscript(Box::new(self.vexpr(&s.value, ann)), args)
            }
            Expr::BinOp(b) if b.op == Operator::BitOr && ann => {
                let mut parts = Vec::new();
                for side in [&b.left, &b.right] {
                    match self.vexpr(side, ann) {
                        VExpr::Union(inner) => parts.extend(inner),
                        other => parts.push(other),
                    }
                }
                VExpr::Union(parts)
            }
            Expr::StringLiteral(s) if ann => {
                match ruff_python_parser::parse_expression(s.value.to_str()) {
                    Ok(parsed) => self.vexpr_at(parsed.expr(), s.range.start()),
                    Err(_) => VExpr::Unknown,
                }
            }
            Expr::StringLiteral(_) | Expr::FString(_) => VExpr::Lit("str", Vec::new()),
            Expr::BytesLiteral(_) => VExpr::Lit("bytes", Vec::new()),
            Expr::BooleanLiteral(_) | Expr::Compare(_) => VExpr::Lit("bool", Vec::new()),
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => VExpr::Lit("bool", Vec::new()),
            Expr::NumberLiteral(n) => VExpr::Lit(
                match n.value {
                    ast::Number::Int(_) => "int",
                    ast::Number::Float(_) => "float",
                    ast::Number::Complex { .. } => "complex",
                },
                Vec::new(),
            ),
            Expr::NoneLiteral(_) => VExpr::NoneLit,
            Expr::List(l) => VExpr::Lit(
                "list",
                l.elts
                    .first()
                    .map(|x| self.vexpr(x, false))
                    .into_iter()
                    .collect(),
            ),
            Expr::Set(l) => VExpr::Lit(
                "set",
                l.elts
                    .first()
                    .map(|x| self.vexpr(x, false))
                    .into_iter()
                    .collect(),
            ),
            Expr::Tuple(t) if !ann => VExpr::Lit(
                "tuple",
                t.elts.iter().map(|x| self.vexpr(x, false)).collect(),
            ),
            Expr::Dict(d) => VExpr::Lit(
                "dict",
                d.items
                    .first()
                    .and_then(|i| {
                        i.key
                            .as_ref()
                            .map(|k| vec![self.vexpr(k, false), self.vexpr(&i.value, false)])
                    })
                    .unwrap_or_default(),
            ),
            Expr::ListComp(c) => VExpr::Lit("list", self.comprehension_element(c.range, &c.elt)),
            Expr::SetComp(c) => VExpr::Lit("set", self.comprehension_element(c.range, &c.elt)),
            Expr::DictComp(_) => VExpr::Lit("dict", Vec::new()),
            Expr::If(i) => VExpr::Union(vec![
                self.vexpr(&i.body, false),
                self.vexpr(&i.orelse, false),
            ]),
            Expr::BoolOp(b) => {
                VExpr::Union(b.values.iter().map(|x| self.vexpr(x, false)).collect())
            }
            Expr::Await(a) => VExpr::Await(Box::new(self.vexpr(&a.value, false))),
            Expr::Named(n) => self.vexpr(&n.value, ann),
            _ => VExpr::Unknown,
        }
    }

    /// The element of a comprehension already walked (its scope exists).
    fn comprehension_element(&self, range: TextRange, elt: &Expr) -> Vec<VExpr> {
        let Some(sid) = self
            .scopes
            .iter()
            .position(|s| s.kind == ScopeKind::Comprehension && s.range == range)
        else {
            return Vec::new();
        };
        let mut inner = Collector::new(self.source, self.module, self.is_package);
        inner.scope = ScopeId::try_from(sid).unwrap_or(0);
        vec![inner.vexpr(elt, false)]
    }

    /// A string annotation's expression: positions are those of the string.
    fn vexpr_at(&self, e: &Expr, at: TextSize) -> VExpr {
        fn shift(v: VExpr, at: TextSize) -> VExpr {
            match v {
                VExpr::Name {
                    name,
                    scope,
                    narrow,
                    ..
                } => VExpr::Name {
                    name,
                    scope,
                    at,
                    narrow,
                },
                VExpr::Attr(b, n) => VExpr::Attr(Box::new(shift(*b, at)), n),
                VExpr::Subscript(b, args) => VExpr::Subscript(
                    Box::new(shift(*b, at)),
                    args.into_iter().map(|a| shift(a, at)).collect(),
                ),
                VExpr::Union(parts) => {
                    VExpr::Union(parts.into_iter().map(|a| shift(a, at)).collect())
                }
                other => other,
            }
        }
        shift(self.vexpr(e, true), at)
    }

    // ----- bindings ------------------------------------------------------------

    /// Bind an assignment target; visit the sub-expressions it reads.
    fn bind_target(
        &mut self,
        target: &'a Expr,
        value: Option<VExpr>,
        ann: Option<VExpr>,
        full: TextRange,
    ) {
        match target {
            Expr::Name(n) => {
                let mut def = self.new_def(n.id.clone(), DefKind::Variable, n.range, full);
                def.value = value;
                def.ann = ann;
                self.add_def(def);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                let parts = match &value {
                    Some(VExpr::Lit("tuple", items)) if items.len() == elts.len() => {
                        Some(items.clone())
                    }
                    _ => None,
                };
                for (i, elt) in elts.iter().enumerate() {
                    let v = parts.as_ref().map(|p| p[i].clone());
                    self.bind_target(elt, v, None, full);
                }
            }
            Expr::Starred(s) => self.bind_target(&s.value, None, None, full),
            Expr::Attribute(a) => {
                self.visit_expr(&a.value);
                if let Some(class_def) = self.self_receiver(&a.value) {
                    let mut def =
                        self.new_def(a.attr.id.clone(), DefKind::Attribute, a.attr.range, full);
                    def.value = value;
                    def.ann = ann;
                    def.parent = Some(class_def);
                    def.scope = self.defs[class_def as usize].body.unwrap_or(0);
                    let scope = def.scope;
                    let id = DefId::try_from(self.defs.len()).unwrap_or(0);
                    self.scopes[scope as usize]
                        .bindings
                        .entry(def.name.clone())
                        .or_default()
                        .push(id);
                    self.defs.push(def);
                }
                let base = self.vexpr(&a.value, false);
                self.add_use(a.attr.id.clone(), a.attr.range, UseKind::Attr(base), true);
            }
            other => self.visit_expr(other),
        }
    }

    /// The class whose instance `expr` is, when it is the `self` of a method.
    fn self_receiver(&self, expr: &Expr) -> Option<DefId> {
        let Expr::Name(n) = expr else { return None };
        let func = *self.functions.last()?;
        let fdef = &self.defs[func as usize];
        if fdef.kind != DefKind::Method || fdef.deco.staticmethod {
            return None;
        }
        let first = fdef.sig.as_ref()?.params.first()?;
        (first.name == n.id).then_some(fdef.parent?)
    }

    fn decorations(&mut self, decorators: &'a [ast::Decorator]) -> Decorations {
        let mut d = Decorations::default();
        for dec in decorators {
            self.visit_expr(&dec.expression);
            let head = match &dec.expression {
                Expr::Call(c) => c.func.as_ref(),
                e => e,
            };
            let last = match head {
                Expr::Name(n) => n.id.as_str(),
                Expr::Attribute(a) => a.attr.id.as_str(),
                _ => "",
            };
            match last {
                "staticmethod" => d.staticmethod = true,
                "classmethod" => d.classmethod = true,
                "property" | "cached_property" | "setter" | "getter" | "deleter" => {
                    d.property = true;
                }
                "overload" => d.overload = true,
                "abstractmethod" | "override" | "final" | "abstractproperty" | "disjoint_base"
                | "type_check_only" | "runtime_checkable" | "deprecated" | "total_ordering"
                | "unique" => {}
                _ => d.other = true,
            }
        }
        d
    }

    fn signature(
        &mut self,
        name: &str,
        params: &Parameters,
        returns: Option<&Expr>,
        is_async: bool,
    ) -> Signature {
        let mut out = Vec::new();
        let mut text = Vec::new();
        let render = |c: &Self, p: &ast::Parameter, default: Option<&Expr>, prefix: &str| {
            let mut s = format!("{prefix}{}", p.name.id);
            if let Some(a) = &p.annotation {
                s.push_str(": ");
                s.push_str(&collapse_ws(c.text(a.range())));
            }
            if let Some(d) = default {
                s.push_str(if p.annotation.is_some() { " = " } else { "=" });
                s.push_str(&collapse_ws(c.text(d.range())));
            }
            s
        };
        for p in &params.posonlyargs {
            out.push((p, ParamKind::PositionalOnly));
            text.push(render(self, &p.parameter, p.default.as_deref(), ""));
        }
        if !params.posonlyargs.is_empty() {
            text.push("/".to_string());
        }
        for p in &params.args {
            out.push((p, ParamKind::Normal));
            text.push(render(self, &p.parameter, p.default.as_deref(), ""));
        }
        if let Some(v) = &params.vararg {
            text.push(render(self, v, None, "*"));
        } else if !params.kwonlyargs.is_empty() {
            text.push("*".to_string());
        }
        for p in &params.kwonlyargs {
            out.push((p, ParamKind::KeywordOnly));
            text.push(render(self, &p.parameter, p.default.as_deref(), ""));
        }
        if let Some(k) = &params.kwarg {
            text.push(render(self, k, None, "**"));
        }
        let mut sig_params: Vec<Param> = out
            .into_iter()
            .map(|(p, kind)| Param {
                name: p.parameter.name.id.clone(),
                kind,
                has_default: p.default.is_some(),
                ann: p
                    .parameter
                    .annotation
                    .as_deref()
                    .map(|a| self.vexpr(a, true)),
            })
            .collect();
        // Keep declaration order: *args sits after the positional parameters.
        if let Some(v) = &params.vararg {
            let at = params.posonlyargs.len() + params.args.len();
            sig_params.insert(
                at,
                Param {
                    name: v.name.id.clone(),
                    kind: ParamKind::VarArgs,
                    has_default: false,
                    ann: None,
                },
            );
        }
        if let Some(k) = &params.kwarg {
            sig_params.push(Param {
                name: k.name.id.clone(),
                kind: ParamKind::KwArgs,
                has_default: false,
                ann: None,
            });
        }
        let ret = returns
            .map(|r| format!(" -> {}", collapse_ws(self.text(r.range()))))
            .unwrap_or_default();
        let prefix = if is_async { "async def" } else { "def" };
        Signature {
            params: sig_params,
            returns: returns.map(|r| self.vexpr(r, true)),
            return_values: Vec::new(),
            is_async,
            is_generator: false,
            text: format!("{prefix} {name}({}){ret}", text.join(", ")),
        }
    }

    fn bind_parameters(&mut self, params: &Parameters, full: TextRange) {
        let all = params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
            .map(|p| &p.parameter)
            .chain(params.vararg.as_deref())
            .chain(params.kwarg.as_deref());
        let items: Vec<_> = all
            .map(|p| (p.name.id.clone(), p.name.range, p.annotation.clone()))
            .collect();
        let outer = self.scopes[self.scope as usize].parent.unwrap_or(0);
        for (name, range, ann) in items {
            let mut def = self.new_def(name, DefKind::Parameter, range, full);
            // Annotations are evaluated in the enclosing scope.
            let inner = self.scope;
            self.scope = outer;
            def.ann = ann.as_deref().map(|a| self.vexpr(a, true));
            self.scope = inner;
            self.add_def(def);
        }
    }

    fn visit_function(&mut self, f: &'a ast::StmtFunctionDef) {
        let deco = self.decorations(&f.decorator_list);
        let in_class = self.scopes[self.scope as usize].kind == ScopeKind::Class;
        let kind = if in_class {
            DefKind::Method
        } else {
            DefKind::Function
        };
        for p in f.parameters.iter_non_variadic_params() {
            if let Some(d) = &p.default {
                self.visit_expr(d);
            }
        }
        for p in &*f.parameters {
            if let Some(a) = p.annotation() {
                self.visit_annotation(a);
            }
        }
        if let Some(r) = &f.returns {
            self.visit_annotation(r);
        }
        let mut def = self.new_def(f.name.id.clone(), kind, f.name.range, f.range);
        def.deco = deco;
        def.doc = docstring(&f.body);
        def.sig = Some(Box::new(self.signature(
            &f.name.id,
            &f.parameters,
            f.returns.as_deref(),
            f.is_async,
        )));
        let id = self.add_def(def);
        let saved_scope = self.scope;
        let body = self.push_scope(ScopeKind::Function, f.range, Some(id));
        self.defs[id as usize].body = Some(body);
        if let Some(tp) = &f.type_params {
            self.bind_type_params(tp);
        }
        self.bind_parameters(&f.parameters, f.range);
        let saved_parent = self.parent_def.replace(id);
        let saved_narrows = std::mem::take(&mut self.narrows);
        self.functions.push(id);
        self.visit_body(&f.body);
        self.functions.pop();
        self.narrows = saved_narrows;
        self.parent_def = saved_parent;
        self.scope = saved_scope;
    }

    fn bind_type_params(&mut self, tp: &ast::TypeParams) -> Vec<Name> {
        let mut names = Vec::new();
        for p in &tp.type_params {
            let (name, range) = match p {
                ast::TypeParam::TypeVar(t) => (&t.name, t.range),
                ast::TypeParam::TypeVarTuple(t) => (&t.name, t.range),
                ast::TypeParam::ParamSpec(t) => (&t.name, t.range),
            };
            let def = self.new_def(name.id.clone(), DefKind::TypeParam, name.range, range);
            self.add_def(def);
            names.push(name.id.clone());
        }
        names
    }

    fn visit_class(&mut self, c: &'a ast::StmtClassDef) {
        let deco = self.decorations(&c.decorator_list);
        let mut bases = Vec::new();
        let mut type_params = Vec::new();
        let mut metaclass = false;
        if let Some(args) = &c.arguments {
            for b in &args.args {
                self.visit_expr(b);
                if let Expr::Subscript(s) = b {
                    let head = match s.value.as_ref() {
                        Expr::Name(n) => n.id.as_str(),
                        Expr::Attribute(a) => a.attr.id.as_str(),
                        _ => "",
                    };
                    if head == "Generic" || head == "Protocol" {
                        let elts: Vec<&Expr> = match s.slice.as_ref() {
                            Expr::Tuple(t) => t.elts.iter().collect(),
                            e => vec![e],
                        };
                        type_params.extend(
                            elts.iter()
                                .filter_map(|e| e.as_name_expr().map(|n| n.id.clone())),
                        );
                    }
                }
                bases.push(self.vexpr(b, true));
            }
            for k in &args.keywords {
                self.visit_expr(&k.value);
                if k.arg.as_ref().is_some_and(|a| a.id == "metaclass") {
                    metaclass = true;
                }
            }
        }
        let mut def = self.new_def(c.name.id.clone(), DefKind::Class, c.name.range, c.range);
        def.doc = docstring(&c.body);
        def.bases = bases;
        def.opaque_ctor = metaclass || deco.other;
        def.deco = deco;
        let id = self.add_def(def);
        let saved_scope = self.scope;
        let body = self.push_scope(ScopeKind::Class, c.range, Some(id));
        self.defs[id as usize].body = Some(body);
        if let Some(tp) = &c.type_params {
            let names = self.bind_type_params(tp);
            type_params.splice(0..0, names);
        }
        self.defs[id as usize].type_params = type_params;
        let saved_parent = self.parent_def.replace(id);
        let saved_narrows = std::mem::take(&mut self.narrows);
        self.visit_body(&c.body);
        self.narrows = saved_narrows;
        self.parent_def = saved_parent;
        self.scope = saved_scope;
    }

    /// The absolute module of `from <level dots><module> import ...`.
    fn absolute_module(&self, level: u32, module: Option<&str>) -> Option<String> {
        if level == 0 {
            return Some(module.unwrap_or("").to_string());
        }
        let mut parts: Vec<&str> = self.module.split('.').filter(|p| !p.is_empty()).collect();
        if !self.is_package {
            parts.pop()?;
        }
        for _ in 1..level {
            parts.pop()?;
        }
        if parts.is_empty() && module.is_none() {
            return None;
        }
        let mut name = parts.join(".");
        if let Some(m) = module {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(m);
        }
        Some(name)
    }

    /// Uses for each segment of a dotted module name written at `range`.
    fn module_segments(&mut self, dotted: &str, absolute: &str, range: TextRange) {
        let written = self.text(range);
        let prefix_len = absolute.len().saturating_sub(dotted.len());
        let mut offset = 0usize;
        for (i, seg) in written.split('.').enumerate() {
            let trimmed = seg.trim();
            let lead = seg.len() - seg.trim_start().len();
            let start = range.start() + TextSize::try_from(offset + lead).unwrap_or_default();
            let r = TextRange::at(start, TextSize::try_from(trimmed.len()).unwrap_or_default());
            let upto: Vec<&str> = dotted.split('.').take(i + 1).collect();
            let module = format!("{}{}", &absolute[..prefix_len], upto.join("."));
            self.add_use(Name::new(trimmed), r, UseKind::Module { module }, false);
            offset += seg.len() + 1;
        }
    }

    fn visit_import(&mut self, i: &'a ast::StmtImport) {
        for alias in &i.names {
            let dotted = alias.name.id.as_str();
            self.imports.push(Import {
                module: dotted.to_string(),
                range: alias.name.range,
                optional: self.optional_imports > 0,
            });
            self.module_segments(dotted, dotted, alias.name.range);
            let (bound, range, target) = match &alias.asname {
                Some(asn) => (asn.id.clone(), asn.range, dotted.to_string()),
                None => {
                    let top = dotted.split('.').next().unwrap_or(dotted);
                    let r = TextRange::at(
                        alias.name.range.start(),
                        TextSize::try_from(top.len()).unwrap_or_default(),
                    );
                    (Name::new(top), r, top.to_string())
                }
            };
            let mut def = self.new_def(bound, DefKind::Import, range, i.range);
            def.import = Some(ImportTarget::Module(target));
            self.add_def(def);
        }
    }

    fn visit_import_from(&mut self, i: &'a ast::StmtImportFrom) {
        let written = i.module.as_ref().map(|m| m.id.as_str());
        let Some(module) = self.absolute_module(i.level, written) else {
            self.imports.push(Import {
                module: format!("{}{}", ".".repeat(i.level as usize), written.unwrap_or("")),
                range: i.range,
                optional: self.optional_imports > 0,
            });
            return;
        };
        let range = i.module.as_ref().map_or(i.range, |m| m.range);
        self.imports.push(Import {
            module: module.clone(),
            range,
            optional: self.optional_imports > 0,
        });
        if let Some(m) = &i.module {
            self.module_segments(m.id.as_str(), &module, m.range);
        }
        for alias in &i.names {
            if alias.name.id == "*" {
                self.scopes[self.scope as usize]
                    .star_imports
                    .push(module.clone());
                continue;
            }
            self.add_use(
                alias.name.id.clone(),
                alias.name.range,
                UseKind::ImportedName {
                    module: module.clone(),
                },
                false,
            );
            let (bound, range) = alias
                .asname
                .as_ref()
                .map_or((&alias.name.id, alias.name.range), |a| (&a.id, a.range));
            let mut def = self.new_def(bound.clone(), DefKind::Import, range, i.range);
            def.import = Some(ImportTarget::Member {
                module: module.clone(),
                name: alias.name.id.clone(),
            });
            self.add_def(def);
        }
    }

    fn record_all(&mut self, value: &Expr, extend: bool) {
        let items: Vec<Name> = match value {
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                elts.iter()
                    .filter_map(|e| {
                        e.as_string_literal_expr()
                            .map(|s| Name::new(s.value.to_str()))
                    })
                    .collect()
            }
            _ => return,
        };
        match (&mut self.all, extend) {
            (Some(all), true) => all.extend(items),
            _ => self.all = Some(items),
        }
    }

    /// Narrowing facts `test` establishes when true, and when false.
    fn conditions(&self, test: &Expr) -> (Facts, Facts) {
        match test {
            Expr::Compare(c) if c.ops.len() == 1 && c.comparators.len() == 1 => {
                let (Some(key), Expr::NoneLiteral(_)) = (dotted(&c.left), &c.comparators[0]) else {
                    return (Vec::new(), Vec::new());
                };
                let is = vec![(Name::new(&key), Narrow::IsNone)];
                let not = vec![(Name::new(&key), Narrow::NotNone)];
                match c.ops[0] {
                    CmpOp::Is | CmpOp::Eq => (is, not),
                    CmpOp::IsNot | CmpOp::NotEq => (not, is),
                    _ => (Vec::new(), Vec::new()),
                }
            }
            Expr::Call(call)
                if call
                    .func
                    .as_name_expr()
                    .is_some_and(|f| f.id == "isinstance")
                    && call.arguments.args.len() == 2 =>
            {
                let Some(key) = dotted(&call.arguments.args[0]) else {
                    return (Vec::new(), Vec::new());
                };
                let class = match &call.arguments.args[1] {
                    Expr::Tuple(t) => {
                        VExpr::Union(t.elts.iter().map(|e| self.vexpr(e, true)).collect())
                    }
                    e => self.vexpr(e, true),
                };
                (
                    vec![(Name::new(&key), Narrow::IsInstance(Box::new(class)))],
                    Vec::new(),
                )
            }
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => {
                let (t, f) = self.conditions(&u.operand);
                (f, t)
            }
            Expr::BoolOp(b) if b.op == ast::BoolOp::And => {
                let mut t = Vec::new();
                for v in &b.values {
                    t.extend(self.conditions(v).0);
                }
                (t, Vec::new())
            }
            Expr::Name(_) | Expr::Attribute(_) => match dotted(test) {
                Some(key) => (vec![(Name::new(&key), Narrow::NotNone)], Vec::new()),
                None => (Vec::new(), Vec::new()),
            },
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn with_narrows(&mut self, facts: Vec<(Name, Narrow)>, body: &'a [Stmt]) {
        let mark = self.narrows.len();
        self.narrows.extend(facts);
        self.visit_body(body);
        self.narrows.truncate(mark);
    }
}

fn exits(body: &[Stmt]) -> bool {
    matches!(
        body.last(),
        Some(Stmt::Return(_) | Stmt::Raise(_) | Stmt::Continue(_) | Stmt::Break(_))
    )
}

fn mentions_import_error(e: &Expr) -> bool {
    match e {
        Expr::Name(n) => matches!(
            n.id.as_str(),
            "ImportError" | "ModuleNotFoundError" | "Exception" | "BaseException"
        ),
        Expr::Attribute(a) => matches!(a.attr.id.as_str(), "ImportError" | "ModuleNotFoundError"),
        Expr::Tuple(t) => t.elts.iter().any(mentions_import_error),
        _ => false,
    }
}

impl<'a> Visitor<'a> for Collector<'a> {
    fn visit_body(&mut self, body: &'a [Stmt]) {
        // Narrowing established by an early exit (`if x is None: return`)
        // holds until the end of the enclosing block.
        let mark = self.narrows.len();
        for stmt in body {
            self.visit_stmt(stmt);
        }
        self.narrows.truncate(mark);
    }

    #[allow(clippy::too_many_lines)]
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.visit_function(f),
            Stmt::ClassDef(c) => self.visit_class(c),
            Stmt::Import(i) => self.visit_import(i),
            Stmt::ImportFrom(i) => self.visit_import_from(i),
            Stmt::Assign(a) => {
                self.visit_expr(&a.value);
                let value = self.vexpr(&a.value, false);
                if self.scope == 0
                    && a.targets
                        .iter()
                        .any(|t| t.as_name_expr().is_some_and(|n| n.id == "__all__"))
                {
                    self.record_all(&a.value, false);
                }
                for t in &a.targets {
                    self.bind_target(t, Some(value.clone()), None, a.range);
                }
            }
            Stmt::AnnAssign(a) => {
                self.visit_annotation(&a.annotation);
                if let Some(v) = &a.value {
                    self.visit_expr(v);
                }
                let value = a.value.as_deref().map(|v| self.vexpr(v, false));
                let ann = self.vexpr(&a.annotation, true);
                if self.scope == 0 && a.target.as_name_expr().is_some_and(|n| n.id == "__all__") {
                    if let Some(v) = &a.value {
                        self.record_all(v, false);
                    }
                }
                self.bind_target(&a.target, value, Some(ann), a.range);
            }
            Stmt::AugAssign(a) => {
                self.visit_expr(&a.value);
                if self.scope == 0 && a.target.as_name_expr().is_some_and(|n| n.id == "__all__") {
                    self.record_all(&a.value, true);
                }
                match a.target.as_ref() {
                    Expr::Name(n) => self.add_use(n.id.clone(), n.range, UseKind::Name, false),
                    other => self.visit_expr(other),
                }
            }
            Stmt::Expr(e) => {
                if let Expr::Call(call) = e.value.as_ref() {
                    if let Expr::Attribute(attr) = call.func.as_ref() {
                        if self.scope == 0
                            && attr.value.as_name_expr().is_some_and(|n| n.id == "__all__")
                        {
                            match (attr.attr.id.as_str(), call.arguments.args.first()) {
                                ("extend", Some(arg)) => self.record_all(arg, true),
                                ("append", Some(Expr::StringLiteral(s))) => {
                                    self.all
                                        .get_or_insert_with(Vec::new)
                                        .push(Name::new(s.value.to_str()));
                                }
                                _ => {}
                            }
                        }
                    }
                }
                self.visit_expr(&e.value);
            }
            Stmt::For(f) => {
                self.visit_expr(&f.iter);
                let value = VExpr::Subscript(Box::new(self.vexpr(&f.iter, false)), Vec::new());
                self.bind_target(&f.target, Some(value), None, f.range);
                self.visit_body(&f.body);
                self.visit_body(&f.orelse);
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(vars) = &item.optional_vars {
                        let ctx = self.vexpr(&item.context_expr, false);
                        let enter = if w.is_async {
                            "__aenter__"
                        } else {
                            "__enter__"
                        };
                        let mut value = VExpr::Call(Box::new(VExpr::Attr(
                            Box::new(ctx),
                            Name::new_static(enter),
                        )));
                        if w.is_async {
                            value = VExpr::Await(Box::new(value));
                        }
                        self.bind_target(vars, Some(value), None, w.range);
                    }
                }
                self.visit_body(&w.body);
            }
            Stmt::If(i) => {
                self.visit_expr(&i.test);
                let (when_true, mut when_false) = self.conditions(&i.test);
                self.with_narrows(when_true.clone(), &i.body);
                let body_exits = exits(&i.body);
                let mut all_exit = body_exits;
                for clause in &i.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                        let (t, f) = self.conditions(test);
                        let mut facts = when_false.clone();
                        facts.extend(t);
                        self.with_narrows(facts, &clause.body);
                        when_false.extend(f);
                    } else {
                        self.with_narrows(when_false.clone(), &clause.body);
                    }
                    all_exit &= exits(&clause.body);
                }
                let no_else = i.elif_else_clauses.iter().all(|c| c.test.is_some());
                if (body_exits && i.elif_else_clauses.is_empty()) || (all_exit && no_else) {
                    self.narrows.extend(when_false);
                }
            }
            Stmt::While(w) => {
                self.visit_expr(&w.test);
                let (t, _) = self.conditions(&w.test);
                self.with_narrows(t, &w.body);
                self.visit_body(&w.orelse);
            }
            Stmt::Try(t) => {
                let guarded = t.handlers.iter().any(|h| {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    h.type_.as_deref().is_none_or(mentions_import_error)
                });
                if guarded {
                    self.optional_imports += 1;
                }
                self.visit_body(&t.body);
                if guarded {
                    self.optional_imports -= 1;
                }
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(ty) = &h.type_ {
                        self.visit_expr(ty);
                    }
                    if let Some(name) = &h.name {
                        let mut def =
                            self.new_def(name.id.clone(), DefKind::Variable, name.range, h.range);
                        def.ann = h.type_.as_deref().map(|ty| match ty {
                            Expr::Tuple(tt) => {
                                VExpr::Union(tt.elts.iter().map(|e| self.vexpr(e, true)).collect())
                            }
                            e => self.vexpr(e, true),
                        });
                        self.add_def(def);
                    }
                    self.visit_body(&h.body);
                }
                self.visit_body(&t.orelse);
                self.visit_body(&t.finalbody);
            }
            Stmt::Global(g) => {
                for n in &g.names {
                    self.scopes[self.scope as usize].globals.push(n.id.clone());
                    self.add_use(n.id.clone(), n.range, UseKind::Name, false);
                }
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.visit_expr(v);
                    let value = self.vexpr(v, false);
                    if let Some(&f) = self.functions.last() {
                        if let Some(sig) = self.defs[f as usize].sig.as_mut() {
                            sig.return_values.push(value);
                        }
                    }
                } else if let Some(&f) = self.functions.last() {
                    if let Some(sig) = self.defs[f as usize].sig.as_mut() {
                        sig.return_values.push(VExpr::NoneLit);
                    }
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    #[allow(clippy::too_many_lines)] // one arm per expression kind
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) => match n.ctx {
                ExprContext::Store => {
                    let def = self.new_def(n.id.clone(), DefKind::Variable, n.range, n.range);
                    self.add_def(def);
                }
                _ => self.add_use(n.id.clone(), n.range, UseKind::Name, false),
            },
            Expr::Attribute(a) => {
                self.visit_expr(&a.value);
                let base = self.vexpr(&a.value, false);
                let store = a.ctx == ExprContext::Store;
                let narrow = if store {
                    None
                } else {
                    self.narrow_for_expr(expr)
                };
                self.add_use(a.attr.id.clone(), a.attr.range, UseKind::Attr(base), store);
                if let Some(last) = self.uses.last_mut() {
                    last.narrow = narrow;
                }
            }
            Expr::Call(c) => {
                self.visit_expr(&c.func);
                let callee = self.vexpr(&c.func, false);
                let mut positional = 0u32;
                let mut spread = false;
                for a in &c.arguments.args {
                    if a.is_starred_expr() {
                        spread = true;
                    } else {
                        positional += 1;
                    }
                    self.visit_expr(a);
                }
                let mut keywords = Vec::new();
                for k in &c.arguments.keywords {
                    match &k.arg {
                        Some(name) => {
                            keywords.push(name.id.clone());
                            self.add_use(
                                name.id.clone(),
                                name.range,
                                UseKind::Keyword(callee.clone()),
                                false,
                            );
                        }
                        None => spread = true,
                    }
                    self.visit_expr(&k.value);
                }
                self.calls.push(Call {
                    callee,
                    range: c.func.range(),
                    positional,
                    keywords,
                    spread,
                });
            }
            Expr::Lambda(l) => {
                let saved = self.scope;
                self.push_scope(ScopeKind::Lambda, l.range, None);
                if let Some(p) = &l.parameters {
                    self.bind_parameters(p, l.range);
                }
                self.visit_expr(&l.body);
                self.scope = saved;
            }
            Expr::ListComp(ast::ExprListComp {
                elt,
                generators,
                range,
                ..
            })
            | Expr::SetComp(ast::ExprSetComp {
                elt,
                generators,
                range,
                ..
            })
            | Expr::Generator(ast::ExprGenerator {
                elt,
                generators,
                range,
                ..
            }) => {
                self.visit_comprehension_scope(*range, generators, &[elt]);
            }
            Expr::DictComp(d) => {
                let mut elts: Vec<&'a Expr> = d.key.as_deref().into_iter().collect();
                elts.push(&d.value);
                self.visit_comprehension_scope(d.range, &d.generators, &elts);
            }
            Expr::Named(n) => {
                self.visit_expr(&n.value);
                let value = self.vexpr(&n.value, false);
                // Walrus targets bind in the enclosing non-comprehension scope.
                let saved = self.scope;
                while self.scopes[self.scope as usize].kind == ScopeKind::Comprehension {
                    self.scope = self.scopes[self.scope as usize].parent.unwrap_or(0);
                }
                self.bind_target(&n.target, Some(value), None, n.range);
                self.scope = saved;
            }
            Expr::Yield(_) | Expr::YieldFrom(_) => {
                if let Some(&f) = self.functions.last() {
                    if let Some(sig) = self.defs[f as usize].sig.as_mut() {
                        sig.is_generator = true;
                    }
                }
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        let bound = match pattern {
            ast::Pattern::MatchAs(p) => p.name.as_ref(),
            ast::Pattern::MatchStar(p) => p.name.as_ref(),
            ast::Pattern::MatchMapping(p) => p.rest.as_ref(),
            _ => None,
        };
        if let Some(name) = bound {
            let def = self.new_def(
                name.id.clone(),
                DefKind::Variable,
                name.range,
                pattern.range(),
            );
            self.add_def(def);
        }
        visitor::walk_pattern(self, pattern);
    }
}

impl<'a> Collector<'a> {
    fn visit_comprehension_scope(
        &mut self,
        range: TextRange,
        generators: &'a [ast::Comprehension],
        elts: &[&'a Expr],
    ) {
        let saved = self.scope;
        // The first iterable is evaluated in the enclosing scope.
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        self.push_scope(ScopeKind::Comprehension, range, None);
        for (i, g) in generators.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&g.iter);
            }
            let value = VExpr::Subscript(Box::new(self.vexpr(&g.iter, false)), Vec::new());
            self.bind_target(&g.target, Some(value), None, g.range);
            for cond in &g.ifs {
                self.visit_expr(cond);
            }
        }
        for e in elts {
            self.visit_expr(e);
        }
        self.scope = saved;
    }
}

#[cfg(test)]
mod tests {
    use super::clean_doc;

    #[test]
    fn cleandoc_strips_common_indent() {
        assert_eq!(
            clean_doc("Title.\n\n    Body line.\n      more\n    "),
            "Title.\n\nBody line.\n  more"
        );
    }
}
