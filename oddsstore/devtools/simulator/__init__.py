"""A loopback imitation of the three bookmakers: real paths and shapes, latency, limits and faults."""

from oddsstore.devtools.simulator.app import Simulator, build_app, run_simulator
from oddsstore.devtools.simulator.board import Board, BoardConfig, BoardEvent
from oddsstore.devtools.simulator.faults import FAULT_KINDS, FaultConfig
from oddsstore.devtools.simulator.latency import DEFAULT_LATENCY, LatencyProfile
from oddsstore.devtools.simulator.state import SimulatorConfig, SimulatorState, SiteStats

__all__ = [
    "DEFAULT_LATENCY",
    "FAULT_KINDS",
    "Board",
    "BoardConfig",
    "BoardEvent",
    "FaultConfig",
    "LatencyProfile",
    "Simulator",
    "SimulatorConfig",
    "SimulatorState",
    "SiteStats",
    "build_app",
    "run_simulator",
]
