"""The LogQL grammar for lark (LALR), written from Loki's documentation, not from its source."""

GRAMMAR = r"""
// LogQL, written from Loki's documentation (Query > Log queries, Metric queries, Template functions).
// LALR(1) with lark's contextual lexer: keywords are only keywords where the grammar expects them.

start: log_expr | metric_expr

// --- log queries -------------------------------------------------------------------------------
log_expr: selector stage*
selector: LBRACE [matcher (COMMA matcher)* COMMA?] RBRACE
matcher: NAME match_op STRING
!match_op: EQ | NEQ | RE | NRE

?stage: line_filter | PIPE pipe_stage
line_filter: line_op filter_value (OR filter_value)*
!line_op: PIPE_EQ | NEQ | PIPE_RE | NRE | PIPE_PAT | NPAT
filter_value: STRING | IP LPAR STRING RPAR -> ip_value

?pipe_stage: JSON [params]                         -> json_stage
    | LOGFMT logfmt_flag* [params]                 -> logfmt_stage
    | REGEXP STRING                                -> regexp_stage
    | PATTERN STRING                               -> pattern_stage
    | UNPACK                                       -> unpack_stage
    | LINE_FORMAT STRING                           -> line_format
    | LABEL_FORMAT label_fmt (COMMA label_fmt)*    -> label_format
    | DROP drop_item (COMMA drop_item)*            -> drop_stage
    | KEEP drop_item (COMMA drop_item)*            -> keep_stage
    | DECOLORIZE                                   -> decolorize
    | UNWRAP unwrap_arg                            -> unwrap
    | lf_or                                        -> label_filter
params: param (COMMA param)*
param: NAME [EQ STRING]
!logfmt_flag: STRICT | KEEP_EMPTY
label_fmt: NAME EQ (NAME | STRING)
drop_item: NAME [match_op STRING]
unwrap_arg: NAME | conv_fn LPAR NAME RPAR
!conv_fn: DURATION_FN | DURATION_SECONDS_FN | BYTES_FN

?lf_or: lf_or OR lf_and          -> lf_or_node
    | lf_and
?lf_and: lf_and AND lf_atom      -> lf_and_node
    | lf_and COMMA lf_atom       -> lf_and_node
    | lf_and lf_atom             -> lf_and_node
    | lf_atom
?lf_atom: LPAR lf_or RPAR
    | comparison
comparison: NAME cmp_op lf_value
!cmp_op: EQ | EQEQ | NEQ | RE | NRE | GT | GTE | LT | LTE
lf_value: STRING | NUMLIKE | MINUS NUMLIKE | IP LPAR STRING RPAR

// --- metric queries ----------------------------------------------------------------------------
?metric_expr: m_or
?m_or: m_or OR bin_mod m_and                    -> binop
    | m_and
?m_and: m_and and_op bin_mod m_cmp              -> binop
    | m_cmp
!and_op: AND | UNLESS
?m_cmp: m_cmp cmp_bin bin_mod m_add             -> binop
    | m_add
!cmp_bin: EQEQ | NEQ | GT | GTE | LT | LTE
?m_add: m_add add_op bin_mod m_mul              -> binop
    | m_mul
!add_op: PLUS | MINUS
?m_mul: m_mul mul_op bin_mod m_unary            -> binop
    | m_unary
!mul_op: STAR | SLASH | PERCENT
?m_unary: add_op m_unary                        -> unary
    | m_pow
?m_pow: m_atom POW bin_mod m_unary              -> binop
    | m_atom
?m_atom: NUMLIKE                                -> number
    | LPAR metric_expr RPAR                     -> paren
    | range_agg
    | vector_agg
    | VECTOR LPAR signed RPAR                   -> vector_fn
    | LABEL_REPLACE LPAR metric_expr COMMA STRING COMMA STRING COMMA STRING COMMA STRING RPAR -> label_replace

signed: NUMLIKE | add_op NUMLIKE
bin_mod: [BOOL] [matching]
matching: on_kw label_list [group_kw [label_list]]
!on_kw: ON | IGNORING
!group_kw: GROUP_LEFT | GROUP_RIGHT

range_agg: range_op LPAR [signed COMMA] log_range RPAR [grouping]
!range_op: "count_over_time" | "rate" | "rate_counter" | "bytes_over_time" | "bytes_rate"
    | "absent_over_time" | "sum_over_time" | "avg_over_time" | "min_over_time" | "max_over_time"
    | "stddev_over_time" | "stdvar_over_time" | "quantile_over_time" | "first_over_time" | "last_over_time"
log_range: selector stage* range_sel [offset] stage*
range_sel: LBRACKET NUMLIKE RBRACKET
    | LBRACKET NUMLIKE COLON [NUMLIKE] RBRACKET  -> subquery
offset: OFFSET NUMLIKE

vector_agg: vec_op [grouping] LPAR metric_expr [COMMA metric_expr] RPAR [grouping]
!vec_op: "sum" | "avg" | "min" | "max" | "count" | "stddev" | "stdvar" | "topk" | "bottomk"
    | "sort" | "sort_desc"
grouping: group_by label_list
!group_by: BY | WITHOUT
label_list: LPAR [NAME (COMMA NAME)* [COMMA]] RPAR

// --- terminals ---------------------------------------------------------------------------------
STRING: /"(?:[^"\\\n]|\\.)*"/ | /`[^`]*`/
NUMLIKE: /(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[a-zA-Z0-9µ.]*/
NAME: /[a-zA-Z_][a-zA-Z0-9_]*/

LBRACE: "{"
RBRACE: "}"
LPAR: "("
RPAR: ")"
LBRACKET: "["
RBRACKET: "]"
COMMA: ","
COLON: ":"
EQ: "="
EQEQ: "=="
NEQ: "!="
RE: "=~"
NRE: "!~"
GT: ">"
GTE: ">="
LT: "<"
LTE: "<="
PIPE: "|"
PIPE_EQ: "|="
PIPE_RE: "|~"
PIPE_PAT: "|>"
NPAT: "!>"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
PERCENT: "%"
POW: "^"
STRICT: "--strict"
KEEP_EMPTY: "--keep-empty"

OR: "or"
AND: "and"
UNLESS: "unless"
BOOL: "bool"
ON: "on"
IGNORING: "ignoring"
GROUP_LEFT: "group_left"
GROUP_RIGHT: "group_right"
BY: "by"
WITHOUT: "without"
OFFSET: "offset"
IP: "ip"
JSON: "json"
LOGFMT: "logfmt"
REGEXP: "regexp"
PATTERN: "pattern"
UNPACK: "unpack"
LINE_FORMAT: "line_format"
LABEL_FORMAT: "label_format"
DROP: "drop"
KEEP: "keep"
DECOLORIZE: "decolorize"
UNWRAP: "unwrap"
DURATION_FN: "duration"
DURATION_SECONDS_FN: "duration_seconds"
BYTES_FN: "bytes"
VECTOR: "vector"
LABEL_REPLACE: "label_replace"

COMMENT: /#[^\n]*/
%import common.WS
%ignore WS
%ignore COMMENT
"""
