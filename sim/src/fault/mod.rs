//! Fault injection: plans and points. A plan decides; it never applies.
