"""Strawberry types and the root Query, Mutation and Subscription."""
