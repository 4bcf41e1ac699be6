//! asynclife-rag: RAG requests over a message bus with a circuit breaker, seed 004.
