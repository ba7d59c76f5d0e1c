"""The intake: the inquiry a partner makes (model), the conversation's slots and pure rules, the
reason given to the partner, and the submit service that stores and routes it."""
