"""The gateway's deterministic generator: same input, same output; limits respected."""
from obsgate.sim.textgen import MAX_TOKENS, MIN_TOKENS, chat_prompt, chunks, complete, count_tokens


def test_same_model_and_prompt_give_the_same_completion():
    assert complete("tinyllama", "hello") == complete("tinyllama", "hello")


def test_other_prompts_or_models_give_other_completions():
    base = complete("tinyllama", "hello")
    assert complete("tinyllama", "hello!") != base
    assert complete("llama3.1-8b", "hello") != base


def test_token_counts_are_within_bounds_and_the_limit_cuts_with_reason_length():
    full = complete("tinyllama", "a prompt")
    assert MIN_TOKENS <= full.completion_tokens <= MAX_TOKENS and full.done_reason == "stop"
    cut = complete("tinyllama", "a prompt", max_tokens=3)
    assert cut.completion_tokens == 3 and cut.done_reason == "length" and len(cut.text.split()) == 3
    assert cut.text.split()[:2] == full.text.split()[:2]


def test_prompt_tokens_count_words_and_punctuation():
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("") == 1
    assert complete("m", "one two three").prompt_tokens == 3


def test_chat_prompt_flattens_roles_and_chunks_rebuild_the_text():
    assert chat_prompt([{"role": "system", "content": "be brief"}, {"content": "hi"}]) == "system: be brief\nuser: hi"
    text = complete("tinyllama", "x").text
    assert "".join(chunks(text)) == text and len(chunks(text)) == len(text.split(" "))
