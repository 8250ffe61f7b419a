"""Long-term memory: Chroma-backed store of documents, pages, summary trees and episodes."""
