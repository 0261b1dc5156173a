//! The hardening rules: weaker settings than nginx offers, deprecations nginx warns about, and
//! opinions (opt-in: they run only when selected by code, name or `ALL`).
