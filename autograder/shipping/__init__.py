"""What gangrade ships to a course: the student kit (`handout`) and the Gradescope autograder."""
