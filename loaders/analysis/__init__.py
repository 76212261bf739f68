"""What the notebooks and `nianbao demo` share: charts of the marts and notebook parameters."""
