"""Conversation analytics through RabbitMQ: Rasa publishes each saved event (without the
partner's words) to an exchange (broker.py); a consumer keeps per-conversation facts in
`conversation_stats` (consumer.py, bot/store/conversation_stats.py) for the staff dashboard."""
