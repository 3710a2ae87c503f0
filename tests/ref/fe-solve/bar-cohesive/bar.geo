// bar.geo: a two-material bar for fe-solve's cohesive tests (tests/cli/fe-solve.bats).
// 100 x 20 (mesh units, nm): phase "a" on x < 50, phase "b" on x > 50, the interface "a/b"
// at x = 50. Made with: gmsh -2 -format msh41 bar.geo -o in.msh (Gmsh 4.8.4, Debian 12).
h = 5;
Point(1) = {0, 0, 0, h};
Point(2) = {50, 0, 0, h};
Point(3) = {100, 0, 0, h};
Point(4) = {100, 20, 0, h};
Point(5) = {50, 20, 0, h};
Point(6) = {0, 20, 0, h};
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 5};
Line(5) = {5, 6};
Line(6) = {6, 1};
Line(7) = {2, 5};
Curve Loop(1) = {1, 7, 5, 6};
Plane Surface(1) = {1};
Curve Loop(2) = {2, 3, 4, -7};
Plane Surface(2) = {2};
Physical Surface("a", 1) = {1};
Physical Surface("b", 2) = {2};
Physical Curve("a/b", 3) = {7};
Physical Curve("left", 4) = {6};
Physical Curve("right", 5) = {3};
Physical Curve("bottom", 6) = {1, 2};
Physical Curve("top", 7) = {4, 5};
