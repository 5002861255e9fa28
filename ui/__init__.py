"""The Gradio chat page of newsrag. It uses only the public API (`rag.Engine`)."""
