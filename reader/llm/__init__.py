"""The model layer: the one async client (`client`), structured output (`structured`), the
embedded llama.cpp server (`embedded`) and the vLLM launcher behind `tome serve` (`vllm`)."""
