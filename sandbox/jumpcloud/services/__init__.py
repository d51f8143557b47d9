"""The mock JumpCloud's services: plain Python over a SQLAlchemy Session, no Flask, never commit."""
